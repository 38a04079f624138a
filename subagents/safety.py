"""Safety specialist: secrets, sensitive paths, CI, dependencies, migrations and dangerous calls.

Everything here is a cheap, deterministic tripwire over added lines and changed paths; the
model part later reasons about the spots it flags. A secret is never repeated: findings
show a masked form, and ``redact`` masks the same patterns in any text before it reaches
a model or a log.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviewer.globs import matches, matches_any
from reviewer.paths import is_test_path
from subagents import bandit, hidden, injection, manifests
from subagents.base import (
    DeterministicSubAgent,
    Finding,
    Severity,
    fingerprint,
)
from subagents.gitleaks import path_rules as secret_path_rules
from subagents.secrets import SecretHit, find_secrets, redact

__all__ = ["SafetyAgent", "redact", "scan"]

if TYPE_CHECKING:
    from reviewer.context import ChangedFile, ReviewContext

NAME = "safety"
# Risky-call rules read a line up to here (some patterns backtrack on long runs). Secrets
# are looked for in the whole line: a key at column 4,001 of a minified bundle is a key.
MAX_LINE = 4000


@dataclass(frozen=True)
class LineRule:
    """A risky construct on one added line; ``applies`` limits it to some paths."""

    id: str
    severity: Severity
    title: str
    pattern: re.Pattern[str]
    message: str
    applies: tuple[str, ...] = ("**",)
    unless: re.Pattern[str] | None = None


_PY = ("**/*.py",)
_CODE_SQL = ("**/*.sql", "**/migrations/**", "**/*.py", "**/*.js", "**/*.ts", "**/*.go",
             "**/*.java", "**/*.rb", "**/*.php")  # fmt: skip
_WORKFLOWS = (".github/workflows/**",)

LINE_RULES: tuple[LineRule, ...] = (
    LineRule("safety.workflow.pull-request-target", Severity.major,
             "Workflow runs on `pull_request_target`", re.compile(r"\bpull_request_target\b"),
             "`pull_request_target` runs with a write token and the repository's secrets. Never "
             "check out or run the PR's code in it; use `pull_request` unless you need write.",
             _WORKFLOWS),
    LineRule("safety.workflow.write-all", Severity.major, "Workflow grants `write-all`",
             re.compile(r"\bpermissions\s*:\s*write-all\b"),
             "Grant only the scopes the job needs, e.g. `permissions: {contents: read}`.",
             _WORKFLOWS),
    LineRule("safety.sql.destructive", Severity.major, "Destructive SQL",
             re.compile(r"(?i)\bDROP\s+(?:TABLE|DATABASE|SCHEMA|COLUMN|INDEX|VIEW)\b"
                        r"|\bALTER\s+TABLE\b.*\bDROP\b|\bTRUNCATE\s+(?:TABLE\s+)?[\w.\"`]+"
                        r"|\bop\.drop_(?:table|column|index|constraint)\s*\("),
             "This drops or truncates data. Confirm it is intended, reversible (backup or a "
             "down migration) and safe with the running application version.", _CODE_SQL),
    LineRule("safety.shell.rm-rf-root", Severity.major, "Recursive delete of a root-like path",
             re.compile(r"\brm\s+(?:-\w+\s+)*-\w*[rR]\w*\s+(?:-\S+\s+)*"
                        r"[\"']?(?:/|~/?|\$HOME/?|\$\{?\w+\}?/)[\"']?\*?(?=\s|$|[;&|)])"),
             "If the variable is empty or the path is wrong this wipes the machine. Use a "
             "checked, absolute path (`${DIR:?}`) and never `/`."),
    LineRule("safety.shell.chmod-777", Severity.major, "World-writable permissions",
             re.compile(r"\bchmod\s+(?:-\w+\s+)*0?777\b|\bchmod\s+(?:-\w+\s+)*a\+rwx\b"),
             "Grant the least access needed (e.g. 755 for directories, 644 for files)."),
    LineRule("safety.py.eval", Severity.major, "Dynamic code evaluation with `eval`",
             re.compile(r"(?<![\w.])eval\s*\("),
             "`eval` runs arbitrary code. Parse the data instead (`json.loads`, "
             "`ast.literal_eval`).", _PY),
    LineRule("safety.py.exec", Severity.major, "Dynamic code execution with `exec`",
             re.compile(r"(?<![\w.])exec\s*\("),
             "`exec` runs arbitrary code; dispatch to known functions instead.", _PY),
    LineRule("safety.py.pickle", Severity.major, "Unpickling data",
             re.compile(r"\b(?:c?[Pp]ickle|dill|marshal)\.loads?\s*\("),
             "Unpickling untrusted bytes runs arbitrary code; use JSON or another data-only "
             "format, or prove the bytes come from a trusted source.", _PY),
    LineRule("safety.py.yaml-load", Severity.major, "`yaml.load` without a safe loader",
             re.compile(r"\byaml\.(?:load|load_all|unsafe_load|full_load)\s*\("),
             "`yaml.load` can construct arbitrary objects; use `yaml.safe_load`.", _PY,
             unless=re.compile(r"SafeLoader|BaseLoader")),
    LineRule("safety.py.shell-true", Severity.major, "Command run through a shell",
             re.compile(r"\bshell\s*=\s*True\b|\bos\.(?:system|popen)\s*\("),
             "A shell parses the command, so any interpolated value can inject commands. Pass "
             "an argument list and leave shell mode off.", _PY),
)  # fmt: skip

_DELETE = re.compile(r"(?i)\bDELETE\s+FROM\b")
_WHERE = re.compile(r"(?i)\bWHERE\b")
_UNTRUSTED_EXPR = re.compile(r"\$\{\{\s*github\.(?:event\.|head_ref)")
_RUN_KEY = re.compile(r"^(\s*)(?:-\s+)?run\s*:\s*(.*)$")
_YAML_KEY = re.compile(r"^\s*(?:-\s+)?[\w.-]+\s*:(?:\s|$)|^\s*(?:#|$)")

MANIFESTS = ("requirements*.txt", "pyproject.toml", "setup.py", "setup.cfg", "Pipfile",
             "package.json", "go.mod", "Cargo.toml", "Gemfile", "pom.xml", "build.gradle*",
             "composer.json", "*.csproj")  # fmt: skip
LOCKFILES = ("*.lock", "package-lock.json", "pnpm-lock.yaml", "go.sum", "npm-shrinkwrap.json",
             "requirements*.lock")  # fmt: skip
MIGRATIONS = ("**/migrations/**", "**/migrate/**", "**/alembic/versions/**")


PATH_RULES: tuple[tuple[str, Severity, tuple[str, ...], str], ...] = (
    ("safety.workflow.changed", Severity.major, (".github/workflows/**",),
     "changes a CI workflow, which runs with repository tokens and secrets"),
    ("safety.dependency.lockfile", Severity.major, LOCKFILES,
     "changes resolved dependency versions; check what moved and why"),
    ("safety.migration", Severity.major, MIGRATIONS,
     "is a database migration; check it is reversible and safe to run online"),
)  # fmt: skip


def _path_notes(file: ChangedFile, head: bytes | None) -> list[tuple[str, Severity, str]]:
    """Path-level concerns for a changed file that no sensitive-path gate covers: (rule id,
    severity, reason). A manifest counts only where it changes dependencies or the build."""
    notes: list[tuple[str, Severity, str]] = []
    for rule_id, severity, patterns, reason in PATH_RULES:
        if matches_any(file.path, patterns):
            notes.append((rule_id, severity, reason))
    if matches_any(file.path, MANIFESTS) and not matches_any(file.path, LOCKFILES):
        parts = manifests.changed_parts(file, head.decode("utf-8", "replace") if head else None)
        if "dependencies" in parts:
            notes.append(_MANIFEST_NOTE)
        if "build" in parts:
            notes.append(_BUILD_NOTE)
    return notes


_MANIFEST_NOTE = ("safety.dependency.manifest", Severity.minor,
                  "changes dependencies; check new packages and version ranges")  # fmt: skip
_BUILD_NOTE = ("safety.build-hook", Severity.major,
               "changes the build system or a build hook, which runs code when the package "
               "is built or installed")  # fmt: skip


def _workflow_run_lines(file: ChangedFile) -> set[int]:
    """New-side lines that are shell script: inside a ``run:`` step, or not a YAML key.

    A hunk may start inside a script block, so a line that is not a ``key:`` line is
    treated as script too; ``env:`` and ``with:`` values (the safe way) are keys.
    """
    inside: set[int] = set()
    run_indent: int | None = None
    new = 0
    for raw in (file.patch or "").splitlines():
        if header := re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)", raw):
            new, run_indent = int(header.group(1)), None
            continue
        if raw.startswith(("-", "\\")):
            continue
        text = raw[1:]
        indent = len(text) - len(text.lstrip())
        if run_indent is not None and text.strip() and indent <= run_indent:
            run_indent = None
        if match := _RUN_KEY.match(text):
            inside.add(new)
            block = match.group(2).strip() in ("", "|", ">", "|-", ">-", "|+", ">+")
            run_indent = len(match.group(1)) if block else None
        elif run_indent is not None or not _YAML_KEY.match(text):
            inside.add(new)
        new += 1
    return inside


def _finding(
    rule: str,
    severity: Severity,
    file: ChangedFile,
    line: int | None,
    code: str,
    title: str,
    body: str,
    rule_ids: list[str] | None = None,
) -> Finding:
    return Finding(
        fingerprint=fingerprint(rule, file.path, code),
        subagent=NAME,
        severity=severity,
        path=file.path,
        start_line=line,
        end_line=line,
        title=title,
        body=body,
        rule_ids=rule_ids or [rule],
    )


# Regex rules that ruff's AST-based ``S`` rules replace on files ruff could check.
RUFF_COVERED = frozenset({"safety.py.eval", "safety.py.exec", "safety.py.pickle",
                          "safety.py.yaml-load", "safety.py.shell-true"})  # fmt: skip


def _line_findings(file: ChangedFile, ruff_checked: bool = False) -> list[Finding]:
    out: list[Finding] = []
    added = file.added_lines()
    workflow = matches(file.path, ".github/workflows/**")
    script_lines = _workflow_run_lines(file) if workflow else set()
    test_file = is_test_path(file.path)  # secrets count everywhere; risky calls not in tests
    for index, (line, raw) in enumerate(added):
        text = raw[:MAX_LINE]
        for hit in find_secrets(raw, file.path):
            if placeholder_secret(raw, hit):
                continue
            out.append(_secret_finding(file, line, text, hit, test_file))
        if test_file or text.lstrip().startswith(("#", "//")):
            continue
        for rule in LINE_RULES:
            if not rule.pattern.search(text) or not matches_any(file.path, rule.applies):
                continue
            if ruff_checked and rule.id in RUFF_COVERED:
                continue
            if rule.unless is None or not rule.unless.search(text):
                out.append(
                    _finding(rule.id, rule.severity, file, line, redact(text), rule.title,
                             rule.message)
                )  # fmt: skip
        if line in script_lines and _UNTRUSTED_EXPR.search(text):
            out.append(_finding(*_SCRIPT_INJECTION, file, line, redact(text), *_INJECTION_TEXT))
        delete = _DELETE.search(text)
        if delete and matches_any(file.path, _CODE_SQL):
            following = " ".join(t for _, t in added[index + 1 : index + 10])
            statement = f"{text[delete.start() :]} {following}".split(";")[0]
            if not _WHERE.search(statement):
                out.append(_finding(*_DELETE_ALL, file, line, redact(text), *_DELETE_ALL_TEXT))
    return out


# Credentials that only stand for one: a word, a run of one character, or a URL whose host
# is reserved for documentation (RFC 2606/6761) or the local machine.
_PLACEHOLDER_VALUE = re.compile(
    r"(?i)^(?:pass(?:word|wd)?|pwd|secret|user(?:name)?|login|token|key|foo|bar|baz|test\w*"
    r"|admin|root|guest|demo|me|(.)\1*)$"
)
_DOC_HOST = re.compile(
    r"(?i)@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|[\w-]+\.(?:example|test|invalid|localhost)"
    r"|localhost|127\.0\.0\.1|\[::1\])(?![\w.-])"
)
_LIVE_LOOKING = frozenset({"private-key", "ds-private-key"})


def placeholder_secret(text: str, hit: SecretHit) -> bool:
    """True for a credential that is a placeholder (``user:pass@``, a documentation host)."""
    value = text[hit.start : hit.end]
    secret = value.rsplit(":", 1)[-1].split("@", 1)[0] if "@" in value else value
    return bool(
        _PLACEHOLDER_VALUE.match(secret.strip("'\""))
        or _DOC_HOST.search(
            text[hit.start : text.find(" ", hit.end) if " " in text[hit.end :] else len(text)]
        )
    )


def _secret_finding(file: ChangedFile, line: int, text: str, hit: SecretHit,
                    test_file: bool) -> Finding:  # fmt: skip
    """A secret on an added line; in tests a fixture key (PEM, keyword) is only minor."""
    fixture = test_file and (hit.rule_id in _LIVE_LOOKING or "generic" in hit.rule_id
                             or hit.rule_id.startswith("ds-keyword"))  # fmt: skip
    if fixture:
        severity = Severity.minor
        advice = (
            "It is in a test file, so it is probably a fixture. Make sure it was generated for "
            "the tests and grants access to nothing; if it is a real key, revoke it."
        )
    else:
        severity = Severity.blocker
        advice = (
            "Revoke and rotate it now: it stays in the branch history even if this line is "
            "removed. Load it from the environment or a secret manager instead."
        )
    body = (
        f"Line {line} appears to contain a secret ({hit.title}): `{hit.shown}`. {advice}"
        f"\n\n_Found by {', '.join(hit.detectors)}._"
    )
    title = f"Possible {'test ' if fixture else ''}secret committed (`{hit.rule_id}`)"
    return _finding(f"safety.secret.{hit.rule_id}", severity, file, line,
                    redact(text, file.path), title, body)  # fmt: skip


_SCRIPT_INJECTION = ("safety.workflow.script-injection", Severity.major)
_INJECTION_TEXT = (
    "Untrusted event data interpolated into a `run:` script",
    "`${{ github.event.* }}` is pasted into the script before the shell runs, so a crafted "
    "title or branch name injects commands. Pass it through `env:` and quote the variable.",
)
_DELETE_ALL = ("safety.sql.delete-without-where", Severity.major)
_DELETE_ALL_TEXT = (
    "`DELETE` without `WHERE`",
    "This deletes every row of the table. Add a `WHERE` clause, or say in the description "
    "why the table must be emptied.",
)


def _texts(ctx: ReviewContext) -> list[tuple[str, str]]:
    """(where, text) of the PR's words outside the diff: they reach logs, comments and the
    model as much as the code does, so a key pasted in them counts as committed."""
    texts = [("the PR title", ctx.title), ("the PR description", ctx.body or "")]
    texts += [(f"the message of commit {c.sha[:10]}", c.message) for c in ctx.commits]
    return texts


def _text_findings(ctx: ReviewContext) -> list[Finding]:
    out: list[Finding] = []
    for where, text in _texts(ctx):
        for hit in find_secrets(text):
            out.append(
                Finding(
                    fingerprint=fingerprint(f"safety.secret.{hit.rule_id}", None, where),
                    subagent=NAME,
                    severity=Severity.blocker,
                    title=f"Possible secret in {where} (`{hit.rule_id}`)",
                    body=f"{where[0].upper()}{where[1:]} appears to contain a secret "
                    f"({hit.title}): `{hit.shown}`. Revoke and rotate it now: GitHub keeps "
                    "edited text and commit messages stay in the history.\n\n"
                    f"_Found by {', '.join(hit.detectors)}._",
                    rule_ids=[f"safety.secret.{hit.rule_id}"],
                )
            )
    return out


def _symlink_finding(file: ChangedFile) -> Finding | None:
    """A symlink is shown with where it points: its one-line diff reads like any edit, but
    a link out of the repository (``/etc/...``, ``../../``) makes tools read other files."""
    target = file.symlink_target
    if target is None:
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(file.path), target))
    outside = target.startswith("/") or resolved == ".." or resolved.startswith("../")
    where = "outside the repository" if outside else "inside the repository"
    return _finding("safety.symlink", Severity.major if outside else Severity.info, file, None,
                    target, f"Symlink `{file.path}` -> `{target}`",
                    f"This change makes `{file.path}` a symbolic link to `{target}` ({where}). "
                    "Tools and builds that read the link read its target instead.")  # fmt: skip


def scan(ctx: ReviewContext) -> list[Finding]:
    """All deterministic safety findings for one review context."""
    findings, ruff_checked = bandit.scan(ctx, NAME)
    findings = _text_findings(ctx) + findings
    sensitive = (*ctx.policy.sensitive_paths, *ctx.policy.require_human_for.paths)
    manifest_paths = {f.path for f in ctx.files if matches_any(f.path, MANIFESTS)}
    heads = ctx.head_contents(manifest_paths)
    for file in ctx.files:
        # A path the policy calls sensitive is the gate's reason already: one signal.
        notes = [] if matches_any(file.path, sensitive) else _path_notes(file, heads.get(file.path))
        if notes:
            worst = max((sev for _, sev, _ in notes), key=lambda s: s.rank)
            reasons = "\n".join(f"- {reason}" for _, _, reason in notes)
            title = f"Sensitive change: `{file.path}`"
            body = f"This file needs a careful look because it\n{reasons}"
            ids = [rule for rule, _, _ in notes]
            findings.append(_finding(ids[0], worst, file, None, "", title, body, ids))
        for rule in secret_path_rules(file.path):  # e.g. a committed .p12 keystore
            body = f"{rule.description} Remove it from the change and rotate what it holds."
            title = f"Possible secret file committed (`{rule.id}`)"
            findings.append(_finding(f"safety.secret.{rule.id}", Severity.blocker, file, None,
                                     "", title, body))  # fmt: skip
        link = _symlink_finding(file)
        if link is not None:
            findings.append(link)
        findings.extend(_line_findings(file, file.path in ruff_checked))
    findings += hidden.findings(hidden.scan_hidden(ctx), NAME)
    findings += injection.findings(injection.scan_injection(ctx), NAME)
    return findings


class SafetyAgent(DeterministicSubAgent):
    """Deterministic safety tripwires; the model part later reasons about flagged spots."""

    name = NAME
    model_part = "risk reasoning on flagged spots"

    def check(self, ctx: ReviewContext) -> list[Finding]:
        return scan(ctx)

    def summary(self, ctx: ReviewContext, findings: list[Finding]) -> str:
        rules = Counter(rule for f in findings for rule in f.rule_ids)
        return "flagged: " + (
            ", ".join(f"{rule} x{n}" for rule, n in sorted(rules.items())) or "nothing flagged"
        )
