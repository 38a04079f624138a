"""The blobs a review's tracer reads first, read along with the PR's context query.

A review delivery names the PR's base and head, so their REST comparison can be read
before the context query; the query then also reads the changed files' blobs (by the
comparison's SHAs) and the root's project configuration files (by ``head:path``), which
the tracer would otherwise read in a GraphQL batch of its own after the comparison.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PRIMED_BLOBS = 50  # changed files whose blobs the query reads along, at most
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Comparison:
    """The REST comparison ``base...head`` (files with patches, commits), read before the
    query so that the query can also read the changed files' blobs for the tracer."""

    base: str
    head: str
    data: dict[str, Any]


def primed_fields(comparison: Comparison | None) -> str:
    """Aliases reading the blobs the tracer reads first: the changed files at head (by
    their SHAs in the comparison) and the project configuration files at the root."""
    if comparison is None or not _SHA.match(comparison.head):
        return ""
    from subagents.tracing.roots import CONFIG_FILES, OTHER_CONFIG_FILES

    shas = [
        str(f["sha"])
        for f in comparison.data.get("files") or []
        if f.get("status") != "removed" and _SHA.match(str(f.get("sha") or ""))
    ][:PRIMED_BLOBS]
    oids = [f"b{i}: object(oid: {json.dumps(sha)}) {{ ...Text }}" for i, sha in enumerate(shas)]
    names = [*CONFIG_FILES, *OTHER_CONFIG_FILES]
    paths = [
        f"c{i}: object(expression: {json.dumps(f'{comparison.head}:{name}')}) {{ ...Text }}"
        for i, name in enumerate(names)
    ]
    return "\n    ".join(oids + paths)


def primed_blobs(data: dict[str, Any]) -> dict[str, bytes]:
    """The primed blobs by SHA (a binary one as the tracer's binary marker; one GraphQL
    truncated is left for the tracer to read through REST)."""
    found: dict[str, bytes] = {}
    for alias, blob in data.items():
        if not re.fullmatch(r"[bc]\d+", alias) or not isinstance(blob, dict) or not blob:
            continue
        if blob.get("isBinary"):
            found[str(blob["oid"])] = b"\x00"
        elif blob.get("text") is not None and not blob.get("isTruncated"):
            found[str(blob["oid"])] = str(blob["text"]).encode("utf-8")
    return found
