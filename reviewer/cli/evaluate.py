"""``reviewer eval run|report``: measure the reviewer on a dataset of real changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import fail, friendly_errors, note, settings

if TYPE_CHECKING:
    from reviewer.eval import EvalResults
    from reviewer.eval.metrics import Metrics
    from reviewer.eval.runs import CaseRun

app = typer.Typer(help="Replay a dataset through the pipeline and compare results.")

ROWS: list[tuple[str, str]] = [
    ("cases", "cases"),
    ("runs", "runs (cases x repeats)"),
    ("errors", "runs that failed"),
    ("expected", "expected findings"),
    ("reported", "reported findings (with a path)"),
    ("matched", "matched"),
    ("precision", "finding precision"),
    ("recall", "finding recall"),
    ("f1", "finding F1"),
    ("false_approve_rate", "false-approve rate (buggy)"),
    ("approve_rate_clean", "approve rate (clean)"),
    ("verdict_accuracy", "verdict class accuracy"),
    ("flip_rate", "verdict flip rate (repeats)"),
    ("judge_fallbacks", "judge fallbacks to line overlap"),
    ("input_tokens", "input tokens"),
    ("output_tokens", "output tokens"),
    ("cost_usd", "cost USD"),
    ("wall_ms_p50", "wall ms per case p50"),
    ("wall_ms_p95", "wall ms per case p95"),
    ("tokens_per_case_p50", "tokens per case p50"),
    ("tokens_per_case_p95", "tokens per case p95"),
    ("cost_per_case_p50", "cost per case p50"),
    ("cost_per_case_p95", "cost per case p95"),
]


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metrics_table(a: Metrics, b: Metrics | None = None, names: tuple[str, str] = ("A", "B")) -> str:
    lines = [f"{'metric':<34} {names[0]:>12}" + (f" {names[1]:>12} {'delta':>10}" if b else "")]
    for key, label in ROWS:
        left = getattr(a, key)
        line = f"{label:<34} {_fmt(left):>12}"
        if b is not None:
            right = getattr(b, key)
            delta = ""
            if isinstance(left, int | float) and isinstance(right, int | float):
                delta = f"{right - left:+.3f}" if isinstance(right, float) else f"{right - left:+d}"
            line += f" {_fmt(right):>12} {delta:>10}"
        lines.append(line)
    return "\n".join(lines)


def _progress(run: CaseRun) -> None:
    status = run.error or f"{run.verdict} {len(run.matches)}/{run.expected} matched"
    note(f"{run.case_id} #{run.repeat}: {status} ({run.wall_ms} ms)")


@app.command("run")
@friendly_errors
def run(
    dataset: Path = typer.Option(..., "--dataset", help="Dataset directory (cases/<id>/)."),
    repeat: int = typer.Option(1, "--repeat", min=1, help="Run every case N times."),
    out: Path | None = typer.Option(None, "--out", help="Write the results JSON here."),
    provider: str | None = typer.Option(
        None,
        "--provider",
        metavar="MODELS",
        help="Models for this run (as REVIEWER_MODELS), e.g. openai:gpt-5-mini.",
    ),
    judge: bool = typer.Option(
        True, "--judge/--no-judge", help="LLM-as-judge matching when a model is configured."
    ),
    tolerance: int | None = typer.Option(
        None,
        "--tolerance",
        min=0,
        metavar="LINES",
        help="How many lines a finding may be off and still match [default: 3].",
    ),
    case: list[str] = typer.Option(
        [], "--case", metavar="ID", help="Only these case ids (repeatable)."
    ),
) -> None:
    """Replay every case through the pipeline and print the metrics table."""
    import asyncio

    from reviewer.eval import DEFAULT_TOLERANCE, load_dataset, run_dataset
    from reviewer.llm.factory import configured_model
    from reviewer.settings import load_settings

    config = settings() if provider is None else load_settings(models=provider)
    cases = load_dataset(dataset)
    if case:
        cases = [c for c in cases if c.id in set(case)]
        if not cases:
            raise fail(f"no case with id {', '.join(case)}")
    model = configured_model(config)
    if model is None:
        note(
            "note: no model configured; deterministic parts only (the verdict cannot be "
            "approve) and findings are matched by line overlap"
        )

    async def go() -> EvalResults:
        try:
            return await run_dataset(
                cases,
                dataset=str(dataset),
                model=model,
                judge_model=model if judge else None,
                repeat=repeat,
                tolerance=DEFAULT_TOLERANCE if tolerance is None else tolerance,
                ceiling=config.limits_ceiling(),
                progress=_progress,
            )
        finally:
            if model is not None:
                await model.aclose()

    results = asyncio.run(go())
    if out is not None:
        out.write_text(results.model_dump_json(indent=1) + "\n")
    typer.echo(metrics_table(results.metrics, names=(results.model or "no model", "")))


@app.command("report")
@friendly_errors
def report(
    a: Path = typer.Argument(..., help="A results file from `eval run --out`."),
    b: Path | None = typer.Argument(None, help="A second results file to compare with."),
    as_json: bool = typer.Option(False, "--json", help="Print metrics (and deltas) as JSON."),
) -> None:
    """Print one results file's metrics, or compare two (B minus A) case by case."""
    first = _load(a)
    second = _load(b) if b is not None else None
    if as_json:
        data: dict[str, object] = {"a": first.metrics.model_dump()}
        if second is not None:
            data["b"] = second.metrics.model_dump()
            data["verdict_changes"] = _changes(first, second)
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(
        metrics_table(
            first.metrics, second.metrics if second else None, (a.stem, b.stem if b else "")
        )
    )
    if second is not None:
        changes = _changes(first, second)
        typer.echo(f"\n{len(changes)} case(s) changed verdict:")
        for change in changes:
            typer.echo(f"  {change['case']}: {change['a']} -> {change['b']}")


def _load(path: Path) -> EvalResults:
    from reviewer.eval import EvalResults

    try:
        return EvalResults.model_validate_json(path.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"{path}: not a results file: {exc}") from None


def _changes(a: EvalResults, b: EvalResults) -> list[dict[str, str]]:
    def verdicts(r: EvalResults) -> dict[str, str]:
        out: dict[str, set[str]] = {}
        for run in r.runs:
            out.setdefault(run.case_id, set()).add(run.verdict or "error")
        return {k: "/".join(sorted(v)) for k, v in out.items()}

    va, vb = verdicts(a), verdicts(b)
    return [
        {"case": k, "a": va[k], "b": vb[k]} for k in sorted(set(va) & set(vb)) if va[k] != vb[k]
    ]
