"""Guidance markdown: frontmatter-scoped rules the panel cites in its findings.

A guidance file is markdown with a YAML frontmatter block. The preferred form is **one
rule per file**, because then the prose (the rule explained, with good and bad examples)
belongs to exactly one rule, and switching the rule off also removes its prose from what
the model reads::

    ---
    id: py.bare-except                 # unique across all guidance in force
    title: Catch specific exceptions
    applies_to: ["**/*.py"]            # globs; default ["**"]
    exclude: ["tests/**"]              # optional globs
    languages: [python]                # optional; see LANGUAGES
    subagents: [antipatterns, logic]   # who reads it; default [antipatterns]
    severity: minor                    # info | minor | major | blocker
    pattern: '^\\s*except\\s*:'        # optional regex over added lines
    message: Name the exceptions you handle.   # optional: the inline comment text
    ---
    Prose for the model, with good and bad examples.

The older **group form** (a file-level ``id``, ``applies_to``, ``exclude``, ``languages``,
``subagents`` and a ``rules:`` list whose entries have the per-rule fields) is still
read, so existing ``.github/reviewer/*.md`` files keep working.

Repository guidance (``.github/reviewer/*.md`` on the default branch) can **add** rules,
**replace** a default rule by reusing its id, and **switch off** default rules, either
with ``disable: [py.debug-print, general]`` (rule or default-file ids) in any file or
with a rule that says ``enabled: false``. :func:`merge_guidance` does this, for both
the local and the GitHub path.

``pattern`` makes a rule checkable without a model (the anti-patterns specialist checks
every pattern in scope, whatever ``subagents`` says); ``subagents`` decides which
sub-agents' model parts read the rule (``GuidanceDoc.rules_for(path, subagent)``).
Rules without a pattern are for the model-grounded review.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from reviewer.errors import ReviewerError
from reviewer.globs import matches_any

LANGUAGES: dict[str, tuple[str, ...]] = {
    "python": (".py", ".pyi"),
    "javascript": (".js", ".jsx", ".mjs", ".cjs"),
    "typescript": (".ts", ".tsx", ".mts", ".cts"),
    "sql": (".sql",),
    "yaml": (".yml", ".yaml"),
    "shell": (".sh", ".bash"),
    "go": (".go",),
    "java": (".java",),
    "kotlin": (".kt", ".kts"),
    "ruby": (".rb",),
    "php": (".php",),
    "rust": (".rs",),
    "csharp": (".cs",),
    "markdown": (".md",),
    "dockerfile": ("Dockerfile",),
    "terraform": (".tf",),
}
SUBAGENTS = ("description", "intent", "safety", "logic", "antipatterns", "tracing")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def language_of(path: str) -> str | None:
    """The guidance language of a path, by extension (or file name, for Dockerfile)."""
    name = PurePosixPath(path).name
    for language, endings in LANGUAGES.items():
        if any(name.endswith(e) or name == e for e in endings):
            return language
    return None


def _in_scope(path: str, applies_to: tuple[str, ...], exclude: tuple[str, ...],
              languages: tuple[str, ...]) -> bool:  # fmt: skip
    if applies_to and not matches_any(path, applies_to):
        return False
    if languages and language_of(path) not in languages:
        return False
    return not matches_any(path, exclude)


def _known_languages(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown language(s) {unknown}; known: {sorted(LANGUAGES)}")
    return value


def _known_subagents(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    unknown = sorted(set(value or ()) - set(SUBAGENTS))
    if unknown:
        raise ValueError(f"unknown sub-agent(s) {unknown}; known: {list(SUBAGENTS)}")
    return value


class GuidanceRule(BaseModel):
    """One rule; empty scopes (``applies_to``, ``languages``) defer to the file's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    pattern: str | None = None
    query: str | None = None  # a tree-sitter query over added code; needs ``languages``
    severity: Literal["info", "minor", "major", "blocker"] = "minor"
    message: str | None = None
    applies_to: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    subagents: tuple[str, ...] = ("antipatterns",)
    enabled: bool = True

    def applies(self, path: str) -> bool:
        return _in_scope(path, self.applies_to, self.exclude, self.languages)

    def for_subagent(self, name: str) -> bool:
        return name in self.subagents

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be letters, digits, '.', '_' or '-' (e.g. py.bare-except)")
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern does not compile: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _query_compiles(self, info: ValidationInfo) -> GuidanceRule:
        if self.query is None:
            return self
        from subagents.querypatterns import QUERY_LANGUAGES, check_query

        usable = [lang for lang in self.languages if lang in QUERY_LANGUAGES]
        if not usable:
            raise ValueError(
                f"a query needs languages from {sorted(QUERY_LANGUAGES)} (tree-sitter grammars)"
            )
        if info.context and info.context.get("shipped"):
            # The package's own queries are compiled by `reviewer guidance lint guidance`
            # (and its test); a review compiles only those of the languages it reads.
            return self
        for language in usable:
            try:
                check_query(language, self.query)
            except Exception as exc:
                raise ValueError(f"query does not compile for {language}: {exc}") from exc
        return self

    _languages = field_validator("languages")(_known_languages)
    _subagents = field_validator("subagents")(_known_subagents)


class GuidanceDoc(BaseModel):
    """One guidance file as parsed; ``disable`` lists ids it switches off."""

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    applies_to: tuple[str, ...] = ("**",)
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    rules: tuple[GuidanceRule, ...] = ()
    disable: tuple[str, ...] = ()
    body: str = ""
    sha256: str = Field(default="")

    def applies(self, path: str) -> bool:
        return _in_scope(path, self.applies_to, self.exclude, self.languages)

    def rules_for(self, path: str, subagent: str | None = None) -> list[GuidanceRule]:
        """The rules of this file that apply to ``path`` (and are read by ``subagent``)."""
        if not self.applies(path):
            return []
        return [
            r
            for r in self.rules
            if r.enabled and r.applies(path) and (subagent is None or r.for_subagent(subagent))
        ]


class _GroupFrontmatter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    applies_to: list[str] = Field(default_factory=lambda: ["**"])
    exclude: list[str] = Field(default_factory=list)
    languages: tuple[str, ...] = ()
    subagents: tuple[str, ...] | None = None
    rules: list[dict[str, Any]] = Field(default_factory=list)
    disable: list[str] = Field(default_factory=list)

    _languages = field_validator("languages")(_known_languages)
    _subagents = field_validator("subagents")(_known_subagents)


# libyaml's safe loader where PyYAML was built with it (its wheels are): the same data as
# yaml.safe_load, parsed in C; the shipped guidance is read on every review (~20 ms saved).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GuidanceError(ReviewerError):
    """A guidance file's frontmatter is malformed."""


def _split(text: str, source: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise GuidanceError(f"{source}: frontmatter starts with --- but never ends")
    try:
        loaded = yaml.load(parts[0][3:], Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise GuidanceError(f"{source}: frontmatter is not YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise GuidanceError(f"{source}: frontmatter must be a mapping")
    return loaded, parts[1].lstrip("-\n")


def _doc(
    meta: dict[str, Any], body: str, source: str, text: str, context: dict[str, Any]
) -> GuidanceDoc:
    languages = tuple(meta.get("languages") or ())
    if "title" in meta and "rules" not in meta:  # one rule per file
        scope = {k: meta.pop(k) for k in ("applies_to", "exclude") if k in meta}
        disable = meta.pop("disable", [])
        meta.pop("languages", None)
        rule = GuidanceRule.model_validate({**meta, "languages": languages}, context=context)
        return GuidanceDoc.model_validate(dict(
            id=rule.id, source=source, applies_to=tuple(scope.get("applies_to") or ["**"]),
            exclude=tuple(scope.get("exclude") or ()), languages=languages, rules=(rule,),
            disable=tuple(disable), body=body.strip(), sha256=_sha(text),
        ), context=context)  # fmt: skip
    front = _GroupFrontmatter.model_validate(meta)
    rules = []
    for n, raw in enumerate(front.rules):
        defaults = {"subagents": front.subagents} if front.subagents else {}
        try:
            rules.append(GuidanceRule.model_validate({**defaults, **raw}, context=context))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in ("rules", n, *first["loc"]))
            raise GuidanceError(f"{source}: {where}: {first['msg']}") from None
    return GuidanceDoc.model_validate(
        {
            "id": front.id,
            "source": source,
            "applies_to": tuple(front.applies_to),
            "exclude": tuple(front.exclude),
            "languages": front.languages,
            "rules": tuple(rules),
            "disable": tuple(front.disable),
            "body": body.strip(),
            "sha256": _sha(text),
        },
        context=context,
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_guidance(text: str, source: str, *, shipped: bool = False) -> GuidanceDoc:
    """Parse one guidance file; the error names the file and the field. ``shipped``: the
    package's own file, whose tree-sitter queries are not compiled here (see lint)."""
    meta, body = _split(text, source)
    meta.setdefault("id", Path(source).stem)
    try:
        return _doc(meta, body, source, text, {"shipped": shipped})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "frontmatter"
        raise GuidanceError(f"{source}: {where}: {first['msg']}") from None


def load_default_guidance() -> tuple[GuidanceDoc, ...]:
    """The guidance shipped in the package's ``guidance/`` folder."""
    from guidance import DEFAULT_GUIDANCE_DIR

    return tuple(
        parse_guidance(path.read_text(encoding="utf-8"), f"default:{path.name}", shipped=True)
        for path in sorted(DEFAULT_GUIDANCE_DIR.glob("*.md"))
    )


def guidance_digest(docs: tuple[GuidanceDoc, ...]) -> str:
    """One hash over all guidance in force, for the audit entry."""
    joined = "\n".join(f"{d.source}:{d.sha256}" for d in sorted(docs, key=lambda d: d.source))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
