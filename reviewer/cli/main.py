"""Entry point of the ``reviewer`` console script.

Start-up is part of the interface: ``reviewer --help`` must stay about as fast as
``import typer``. So the command modules imported here import only typer, the standard
library and ``reviewer.cli.common`` at their top; everything heavy (SQLAlchemy, alembic,
PyGithub, the model SDKs, tree-sitter, the panel, the audit stack, pydantic models,
settings, structlog) is imported inside the command function that uses it.
``tests/test_cli_startup.py`` holds the line.
"""

from __future__ import annotations

import typer

from reviewer.cli import audit, guidance, jobs, report, review, serve, trace
from reviewer.cli import evaluate as eval_cli
from reviewer.cli import feedback as feedback_cli
from reviewer.cli import setup as setup_cli
from reviewer.cli.conventions import EXIT_CODES, ReviewerGroup

app = typer.Typer(
    name="reviewer",
    help="Review pull requests with a panel of specialist sub-agents.",
    epilog=EXIT_CODES,
    cls=ReviewerGroup,
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from reviewer import __version__

        typer.echo(f"reviewer {__version__}")
        raise typer.Exit()


@app.callback()
def _setup(
    _version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version and exit.",
    ),
) -> None:
    """Logs go to stderr so stdout stays machine-readable; ``serve`` reconfigures them."""
    from reviewer.logs import configure_logging

    configure_logging("console", "WARNING")


app.command("review")(review.review)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.command("trace")(trace.trace)
app.command("setup")(setup_cli.setup)
app.add_typer(jobs.app, name="jobs")
app.add_typer(audit.app, name="audit")
app.add_typer(report.app, name="report")
app.add_typer(guidance.app, name="guidance")
app.add_typer(feedback_cli.app, name="feedback")
app.add_typer(eval_cli.app, name="eval")

if __name__ == "__main__":
    app()
