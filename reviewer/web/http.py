"""Response headers every audit response carries (pages and the JSON API alike).

``Cache-Control: no-store`` keeps audit data out of browser and proxy caches; the rest
forbid framing, sniffing, and any script (the pages use none). Referrers go to our own
origin only: with ``no-referrer`` browsers send ``Origin: null`` on form posts, and the
sign-in's cross-site check needs the real origin.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

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


class NoStoreRoute(APIRoute):
    """A route whose every response (including its errors) carries ``SECURITY_HEADERS``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_headers(request: Request) -> Response:
            response = await handler(request)
            response.headers.update(SECURITY_HEADERS)
            return response

        return with_headers
