"""Checks for a guidance folder, for ``reviewer guidance lint``.

Guidance is read from the default branch at review time, where a mistake is silent: a
file that does not parse is reported as a policy error, a glob with a typo simply never
applies, and a duplicated id makes feedback on the rule ambiguous. Linting the folder
before merging catches those while the author is still looking:

- frontmatter that does not parse or validate (the message names the file and field);
- the same rule id defined twice in the folder;
- ``disable`` entries that name no default rule, default file or rule in the folder;
Notes, which do not fail the lint:

- ``applies_to`` and ``exclude`` globs that match no file of the repository (from
  ``git ls-files`` when the folder is inside a git repository, else the files on disk):
  guidance for a language the repository does not use matches nothing, and that is fine;
- reusing a default rule's id: it replaces that rule.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reviewer.globs import matches
from reviewer.guidance.rules import GuidanceDoc, GuidanceError, parse_guidance


@dataclass(frozen=True)
class LintMessage:
    """One finding of the linter; ``problem`` ones make the command exit 1."""

    source: str
    message: str
    problem: bool = True

    def __str__(self) -> str:
        return f"{self.source}: {'' if self.problem else 'note: '}{self.message}"


def repo_root(path: Path) -> Path | None:
    """The git work tree containing ``path``, if any."""
    where = path if path.is_dir() else path.parent
    proc = subprocess.run(
        ["git", "-C", str(where), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    return Path(proc.stdout.strip()) if proc.returncode == 0 else None


def repo_files(root: Path) -> list[str]:
    """Repository-relative paths: tracked files in a git repository, else files on disk."""
    proc = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=False
    )
    if proc.returncode == 0:
        return [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    )


def guidance_files(path: Path) -> list[Path]:
    """The markdown files to lint: ``path`` itself, or every ``*.md`` directly in it."""
    return [path] if path.is_file() else sorted(path.glob("*.md"))


def _globs(doc: GuidanceDoc) -> Iterable[tuple[str, str]]:
    for glob in doc.applies_to:
        yield "applies_to", glob
    for glob in doc.exclude:
        yield "exclude", glob
    for rule in doc.rules:
        for glob in rule.applies_to:
            yield f"rule {rule.id} applies_to", glob
        for glob in rule.exclude:
            yield f"rule {rule.id} exclude", glob


def lint(
    files: list[Path], defaults: tuple[GuidanceDoc, ...], repo_paths: list[str] | None
) -> tuple[list[GuidanceDoc], list[LintMessage]]:
    """Parse and check guidance files; ``repo_paths`` None skips the glob check."""
    docs: list[GuidanceDoc] = []
    out: list[LintMessage] = []
    for path in files:
        try:
            docs.append(parse_guidance(path.read_text(encoding="utf-8"), str(path)))
        except GuidanceError as exc:
            out.append(LintMessage(str(path), str(exc).removeprefix(f"{path}: ")))
        except (OSError, UnicodeDecodeError) as exc:
            out.append(LintMessage(str(path), f"cannot read: {exc}"))
    default_ids = {d.id for d in defaults} | {r.id for d in defaults for r in d.rules}
    first: dict[str, str] = {}
    for doc in docs:
        for rule in doc.rules:
            if rule.id in first:
                out.append(LintMessage(doc.source, f"duplicate id {rule.id!r} (also in "
                                                   f"{first[rule.id]})"))  # fmt: skip
            first.setdefault(rule.id, doc.source)
            if rule.id in default_ids:
                verb = "switches off" if not rule.enabled else "replaces"
                out.append(LintMessage(doc.source, f"{verb} default rule {rule.id!r}", False))
    for doc in docs:
        for name in doc.disable:
            if name not in default_ids and name not in first:
                out.append(LintMessage(doc.source, f"disable: no rule or file has id {name!r}"))
        if repo_paths is None:
            continue
        for field, glob in _globs(doc):
            if not any(matches(p, glob) for p in repo_paths):
                # A note, not a problem: shared guidance covers languages a repository
                # may not use. A typo shows up here too, so it is still said.
                out.append(LintMessage(doc.source, f"{field} glob {glob!r} matches no file "
                                                   "in the repository", False))  # fmt: skip
    return docs, out
