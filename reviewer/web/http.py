"""Response headers every audit response carries (pages and the JSON API alike).

``Cache-Control: no-store`` keeps audit data out of browser and proxy caches; the rest
forbid framing, sniffing, and any script (the pages use none). Referrers go to our own
origin only: with ``no-referrer`` browsers send ``Origin: null`` on form posts, and the
sign-in's cross-site check needs the real origin.

Applied as ASGI middleware by path, so error answers (404, 422, 401 from a dependency)
carry them too, not only what a route returns.
"""

from __future__ import annotations

from typing import Any

AUDIT_PREFIXES = ("/audit", "/api/audit")
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
_NAMES = {name for name, _ in _RAW}


class AuditHeaders:
    """Add ``SECURITY_HEADERS`` to every response under ``AUDIT_PREFIXES``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not any(path == p or path.startswith(p + "/") for p in AUDIT_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _NAMES]
                message = {**message, "headers": kept + _RAW}
            await send(message)

        await self.app(scope, receive, with_headers)
