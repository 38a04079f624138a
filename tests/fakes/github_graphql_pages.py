"""GitHub's GraphQL rules beyond the schema, for the fake: cursor connections with
``first``/``last`` (required, at most 100) and errors typed as GitHub types them."""

from __future__ import annotations

import base64
from typing import Any

MAX_PAGE = 100
# Arguments the schema fills in when a query leaves them out; the fake's order is theirs.
_SCHEMA_DEFAULTS = {"orderBy": {"field": "CREATED_AT", "direction": "ASC"}}
Node = dict[str, Any]


class Refused(Exception):
    """A field GitHub answers with null and an error of ``kind`` (NOT_FOUND, FORBIDDEN,
    or a query rule such as EXCESSIVE_PAGINATION when ``rejected``)."""

    def __init__(self, kind: str, message: str, rejected: bool = False) -> None:
        super().__init__(message)
        self.kind, self.rejected = kind, rejected


def connection(
    name: str,
    items: list[Any],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    **unsupported: Any,
) -> Node:
    """A cursor connection over ``items`` with GitHub's pagination rules."""
    unsupported = {k: v for k, v in unsupported.items() if v != _SCHEMA_DEFAULTS.get(k)}
    if unsupported:
        message = f"the fake does not model {sorted(unsupported)} on `{name}`"
        raise Refused("FAKE_UNSUPPORTED", message, rejected=True)
    if first is None and last is None:
        raise Refused(
            "MISSING_PAGINATION_BOUNDARIES",
            f"You must provide a `first` or `last` value to properly paginate the `{name}`"
            " connection.",
            rejected=True,
        )
    for arg, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise Refused(
                "EXCESSIVE_PAGINATION",
                f"Requesting {value} records on the `{name}` connection exceeds the `{arg}`"
                f" limit of {MAX_PAGE} records.",
                rejected=True,
            )
    start, end = 0, len(items)
    if after is not None:
        start = _position(after) + 1
    if before is not None:
        end = min(end, _position(before))
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    cursors = [_cursor(i) for i in window]
    return {
        "totalCount": len(items),
        "nodes": [items[i] for i in window],
        "edges": [{"cursor": _cursor(i), "node": items[i]} for i in window],
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < end - 1,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _position(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError):
        raise Refused(
            "INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor."
        ) from None
