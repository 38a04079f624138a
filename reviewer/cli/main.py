"""Entry point of the ``reviewer`` console script."""

from __future__ import annotations

import typer

from reviewer.cli import audit, guidance, jobs, report, review, serve, trace
from reviewer.cli import evaluate as eval_cli
from reviewer.cli import feedback as feedback_cli
from reviewer.logs import configure_logging

app = typer.Typer(
    name="reviewer",
    help="Review pull requests with a panel of specialist sub-agents.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _setup() -> None:
    """Logs go to stderr so stdout stays machine-readable; ``serve`` reconfigures them."""
    configure_logging("console", "WARNING")


app.command("review")(review.review)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("trace")(trace.trace)
app.add_typer(jobs.app, name="jobs")
app.add_typer(audit.app, name="audit")
app.add_typer(report.app, name="report")
app.add_typer(guidance.app, name="guidance")
app.add_typer(feedback_cli.app, name="feedback")
app.add_typer(eval_cli.app, name="eval")

if __name__ == "__main__":
    app()
