"""``reviewer audit verify|query|show|export|evidence|keygen``: prove the log is intact and
read it."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reviewer.cli.common import fail, friendly_errors, settings

if TYPE_CHECKING:
    from reviewer.audit.log import AuditEntry, AuditLog

app = typer.Typer(help="Verify and query the tamper-evident audit log.", no_args_is_help=True)


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def _log() -> AuditLog:
    from reviewer.runtime import build_runtime

    return build_runtime(settings()).audit


@app.command("verify")
@friendly_errors
def verify(
    as_json: bool = typer.Option(False, "--json", help="Print the full result."),
    public_key: Path | None = typer.Option(
        None, "--public-key", help="Ed25519 public key (PEM) that checks the checkpoints."
    ),
    witness: Path | None = typer.Option(
        None, "--witness", help="(seq, hash) pairs seen on GitHub, one per line."
    ),
) -> None:
    """Recompute the hash chain and checkpoints; exit 1 and name the damage if broken.

    Checkpoints are checked with --public-key, else with REVIEWER_AUDIT_SIGNING_KEY.
    --witness takes lines 'SEQ HASH', JSON objects, or copied check-run summaries."""
    from reviewer.audit.anchor import read_witness
    from reviewer.audit.signing import PublicKeyVerifier
    from reviewer.audit.verify import verify as verify_log

    config = settings()
    result = verify_log(
        _log(),
        verifier=PublicKeyVerifier.from_file(public_key) if public_key else None,
        max_gap=config.audit_checkpoint_max_gap,
        witness=read_witness(witness) if witness else (),
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    elif result.ok:
        typer.echo(
            f"OK: {result.entries} entries, {result.checkpoints} checkpoints, anchored through "
            f"seq {result.anchored_through}, {result.unanchored} entries not yet anchored"
        )
    else:
        typer.echo(f"DAMAGED: first bad seq {result.first_bad_seq} ({result.first_bad_kind})")
        for problem in result.problems:
            typer.echo(f"  seq {problem.seq}: {problem.kind}: {problem.detail}")
    if result.note and not as_json:
        typer.echo(f"note: {result.note}", err=True)
    if not result.ok:
        raise typer.Exit(1)


def _filtered(
    repo: str | None,
    pr: int | None,
    kind: str | None,
    verdict: str | None,
    since: datetime | None,
    until: datetime | None,
) -> list[AuditEntry]:
    return list(
        _log().entries(repo=repo, pr=pr, kind=kind, verdict=verdict, since=since, until=until)
    )


@app.command("query")
@friendly_errors
def query(
    repo: str | None = typer.Option(None, help="owner/name (or the local directory name)"),
    pr: int | None = typer.Option(None, help="Pull request number."),
    kind: str | None = typer.Option(None, help="decision, override, merged, reverted, ..."),
    verdict: str | None = typer.Option(None, help="approve, human or shadow_approve"),
    since: datetime | None = typer.Option(None, help="At or after this time (UTC)."),
    until: datetime | None = typer.Option(None, help="Before this time (UTC)."),
) -> None:
    """Print matching entries as JSON lines, in chain order."""
    for entry in _filtered(repo, pr, kind, verdict, since, until):
        typer.echo(entry.model_dump_json())


@app.command("show")
@friendly_errors
def show(seq: int = typer.Argument(..., help="Sequence number of the entry.")) -> None:
    """Print one entry with its payload, pretty."""
    entry = _log().get(seq)
    if entry is None:
        raise fail(f"no audit entry with seq {seq}")
    typer.echo(entry.model_dump_json(indent=2))


@app.command("export")
@friendly_errors
def export(fmt: ExportFormat = typer.Option(ExportFormat.jsonl, "--format")) -> None:
    """Write the whole log to stdout (JSON lines, or CSV with the payload as JSON)."""
    from reviewer.audit.log import AuditEntry

    entries = _log().entries()
    if fmt is ExportFormat.jsonl:
        for entry in entries:
            typer.echo(entry.model_dump_json())
        return
    writer = csv.writer(sys.stdout)
    fields = list(AuditEntry.model_fields)
    writer.writerow(fields)
    for entry in entries:
        row = entry.model_dump()
        row["payload"] = json.dumps(row["payload"], sort_keys=True, separators=(",", ":"))
        writer.writerow([row[f] for f in fields])


class EvidenceFormat(StrEnum):
    json = "json"
    html = "html"


@app.command("evidence")
@friendly_errors
def evidence(
    ref: str = typer.Argument(..., help="The pull request, as OWNER/REPO#N."),
    fmt: EvidenceFormat = typer.Option(EvidenceFormat.json, "--format"),
) -> None:
    """Print a PR's evidence pack: its entries in order, each verified against the chain.

    Exits 1 when an entry does not verify (or the log has none for the PR).
    """
    from reviewer.report.evidence import evidence_pack, parse_ref

    repo, number = parse_ref(ref)
    pack = evidence_pack(_log(), repo, number)
    if fmt is EvidenceFormat.json:
        typer.echo(pack.model_dump_json(indent=2))
    else:
        from reviewer.web.templating import evidence_html

        typer.echo(evidence_html(pack, standalone=True))
    if not pack.verified:
        raise typer.Exit(1)


@app.command("checkpoints")
@friendly_errors
def checkpoints() -> None:
    """Export the checkpoints (seq, hash, at, signature) as JSON lines, for safekeeping
    outside the database and for checking with the public key alone."""
    for cp in _log().checkpoints():
        typer.echo(json.dumps({k: cp[k] for k in ("seq", "hash", "at", "signature")}))


@app.command("public-key")
@friendly_errors
def public_key_pem() -> None:
    """Print the public half of REVIEWER_AUDIT_SIGNING_KEY, for `verify --public-key`."""
    signer = _log().signer
    if signer is None:
        raise fail("REVIEWER_AUDIT_SIGNING_KEY is not set")
    typer.echo(signer.public_pem().rstrip())


@app.command("keygen")
def keygen() -> None:
    """Print a new Ed25519 private key (PEM) for REVIEWER_AUDIT_SIGNING_KEY."""
    from reviewer.audit.signing import generate_private_pem

    typer.echo(generate_private_pem().rstrip())
