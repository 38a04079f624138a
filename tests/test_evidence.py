"""Evidence packs: one PR's entries in order, each verified against the chain, as JSON and
HTML from ``reviewer audit evidence``; tampering with the PR's record is caught."""

from __future__ import annotations

import json

from sqlalchemy import text

from reviewer.audit.log import AuditLog
from reviewer.audit.signing import CheckpointSigner, generate_private_pem
from reviewer.report.evidence import evidence_pack
from tests.history import plan_history, write_history
from tests.test_audit import unlock
from tests.test_cli import cli

KEY = generate_private_pem()


def merged_and_reverted(planned):
    return next(p for p in planned if p.reverted_at and p.reviews)


def test_pack_holds_the_prs_story_in_order_and_verifies(engine):
    audit = AuditLog(engine, CheckpointSigner.from_setting(KEY), checkpoint_every=7)
    planned = plan_history(seed=3, prs=24, weeks=2)
    write_history(audit, planned)
    pr = merged_and_reverted(planned)
    pack = evidence_pack(audit, pr.repo, pr.number)
    kinds = [item.entry.kind for item in pack.entries]
    assert kinds[:2] == ["opened", "decision"] and kinds[-2:] == ["merged", "reverted"]
    assert kinds.count("review") == len(pr.reviews)
    assert [i.entry.seq for i in pack.entries] == sorted(i.entry.seq for i in pack.entries)
    assert pack.verified
    anchored = [i.anchor for i in pack.entries if i.anchor is not None]
    assert anchored and all(a.signed and a.signature_ok and a.chain_ok for a in anchored)
    assert all(i.entry.repo == pr.repo and i.entry.pr == pr.number for i in pack.entries)


def test_an_edited_entry_or_one_between_it_and_its_checkpoint_is_named(engine):
    audit = AuditLog(engine, CheckpointSigner.from_setting(KEY), checkpoint_every=50)
    planned = plan_history(seed=3, prs=24, weeks=2)
    write_history(audit, planned)
    pr = merged_and_reverted(planned)
    first = evidence_pack(audit, pr.repo, pr.number).entries
    decision = next(i.entry for i in first if i.entry.kind == "decision")
    unlock(engine)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_entries SET payload = replace(payload, :old, :new) WHERE seq = :s"),
            {"old": '"verdict":"', "new": '"verdict":"approve","x":"', "s": decision.seq},
        )
    pack = evidence_pack(audit, pr.repo, pr.number)
    assert not pack.verified
    bad = {i.entry.seq: i.problem for i in pack.entries if i.problem}
    assert "edited" in bad[decision.seq]
    # Entries of this PR before the same checkpoint no longer reach it intact.
    opened = pack.entries[0]
    assert opened.anchor is not None and not opened.anchor.chain_ok


def test_cli_writes_the_pack_as_json_and_html(engine, sqlite_url):
    audit = AuditLog(engine)
    planned = plan_history(seed=3, prs=6, weeks=1)
    write_history(audit, planned)
    pr = planned[0]
    env = {"REVIEWER_DATABASE_URL": sqlite_url}
    proc = cli("audit", "evidence", f"{pr.repo}#{pr.number}", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verified"] is True and data["pr"] == pr.number
    assert data["entries"][0]["entry"]["kind"] == "opened"
    html = cli("audit", "evidence", f"{pr.repo}#{pr.number}", "--format", "html", env=env)
    assert html.returncode == 0 and ">Verified<" in html.stdout and "<script" not in html.stdout
    bad = cli("audit", "evidence", "not-a-ref", env=env)
    assert bad.returncode == 2 and "OWNER/REPO#N" in bad.stderr
    none = cli("audit", "evidence", "acme/app#99999", env=env)
    assert none.returncode == 1 and json.loads(none.stdout)["entries"] == []
