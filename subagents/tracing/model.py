"""The trace as data: the ``reviewer trace --format json`` contract, plus render-only extras.

Fields marked ``exclude`` never reach the JSON (they are what the renderer needs: the
signature of the function at each end and the source lines around a call site).
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class FileChange(Protocol):
    """What the tracer needs of a changed file (``reviewer.context.ChangedFile`` fits)."""

    @property
    def path(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def patch(self) -> str | None: ...
    @property
    def binary(self) -> bool: ...


class ChangedSymbol(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    path: str
    line: int
    signature: str = Field(default="", exclude=True)


class Edge(BaseModel):
    """One traced relation. For a caller, ``symbol``/``path``/``line`` are the calling
    function and the call site; for a callee or an overrider, the definition reached; for
    a value, the place that uses the changed value or validates the field it is stored in
    (``note`` says which, for the reader)."""

    kind: Literal["caller", "callee", "overrider", "value"]
    symbol: str
    path: str
    line: int
    target: str
    hops: int
    confidence: float
    possible: bool
    form: str = Field(default="call", exclude=True)
    signature: str = Field(default="", exclude=True)
    site_path: str = Field(default="", exclude=True)  # callees: where the call is made
    site_line: int = Field(default=0, exclude=True)
    via: str | None = Field(default=None, exclude=True)  # hop 2: the hop-1 symbol
    score: float = Field(default=0.0, exclude=True)
    note: str = Field(default="", exclude=True)


class Skip(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    reason: str


class Trace(BaseModel):
    changed: list[ChangedSymbol] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    omitted: dict[str, int] = Field(default_factory=dict)
    skipped: list[Skip] = Field(default_factory=list)
    snippets: dict[str, dict[int, str]] = Field(default_factory=dict, exclude=True)
    stats: dict[str, int] = Field(default_factory=dict, exclude=True)

    def contract(self) -> dict[str, object]:
        """The JSON object of the CLI contract."""
        return self.model_dump(mode="json")
