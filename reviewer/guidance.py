"""Guidance markdown: frontmatter-scoped rules the panel cites in its findings.

A guidance file is markdown with a YAML frontmatter block::

    ---
    id: python
    applies_to: ["**/*.py"]
    rules:
      - id: py.bare-except
        title: Catch specific exceptions
        pattern: '^\\s*except\\s*:'
        severity: minor
        exclude: ["tests/**"]     # optional, per rule; a doc may also have ``exclude``
    ---
    Prose the model reads ...

``pattern`` (a regex matched against added lines) makes a rule checkable without a
model; rules without one are for the model-grounded review.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reviewer.errors import ReviewerError
from reviewer.globs import matches_any


class GuidanceRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    pattern: str | None = None
    severity: Literal["info", "minor", "major", "blocker"] = "minor"
    message: str | None = None
    exclude: tuple[str, ...] = ()

    def applies(self, path: str) -> bool:
        return not matches_any(path, self.exclude)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
        return value


class GuidanceDoc(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    applies_to: tuple[str, ...] = ("**",)
    exclude: tuple[str, ...] = ()
    rules: tuple[GuidanceRule, ...] = ()
    body: str = ""
    sha256: str = Field(default="")

    def applies(self, path: str) -> bool:
        return matches_any(path, self.applies_to) and not matches_any(path, self.exclude)


class _Frontmatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    applies_to: list[str] = Field(default_factory=lambda: ["**"])
    exclude: list[str] = Field(default_factory=list)
    rules: list[GuidanceRule] = Field(default_factory=list)


class GuidanceError(ReviewerError):
    """A guidance file's frontmatter is malformed."""


def parse_guidance(text: str, source: str) -> GuidanceDoc:
    """Parse one guidance file; the error names the file and the field."""
    meta: dict[str, object] = {}
    body = text
    if text.startswith("---"):
        parts = text.split("\n---", 1)
        if len(parts) != 2:
            raise GuidanceError(f"{source}: frontmatter starts with --- but never ends")
        try:
            loaded = yaml.safe_load(parts[0][3:]) or {}
        except yaml.YAMLError as exc:
            raise GuidanceError(f"{source}: frontmatter is not YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise GuidanceError(f"{source}: frontmatter must be a mapping")
        meta, body = loaded, parts[1].lstrip("-\n")
    meta.setdefault("id", Path(source).stem)
    try:
        front = _Frontmatter.model_validate(meta)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise GuidanceError(f"{source}: {where}: {first['msg']}") from None
    return GuidanceDoc(
        id=front.id,
        source=source,
        applies_to=tuple(front.applies_to),
        exclude=tuple(front.exclude),
        rules=tuple(front.rules),
        body=body.strip(),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def load_default_guidance() -> tuple[GuidanceDoc, ...]:
    """The guidance shipped in the package's ``guidance/`` folder."""
    from guidance import DEFAULT_GUIDANCE_DIR

    return tuple(
        parse_guidance(path.read_text(encoding="utf-8"), f"default:{path.name}")
        for path in sorted(DEFAULT_GUIDANCE_DIR.glob("*.md"))
    )


def guidance_digest(docs: tuple[GuidanceDoc, ...]) -> str:
    """One hash over all guidance in force, for the audit entry."""
    joined = "\n".join(f"{d.source}:{d.sha256}" for d in sorted(docs, key=lambda d: d.source))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
