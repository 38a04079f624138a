"""Bearer-token checks for the read-only endpoints (``/api/audit``, ``/metrics``).

The token is compared in constant time; a missing or wrong one is a 401 that says which
token is wanted. Tokens shorter than ``reviewer.settings.MIN_TOKEN_CHARS`` are refused at
start-up: an empty ``REVIEWER_AUDIT_TOKEN=`` once matched an empty header.
"""

import hmac
from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


def token_matches(given: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def require_bearer(
    token: str, what: str, headers: Mapping[str, str] | None = None
) -> Callable[..., None]:
    """A FastAPI dependency that lets a request through only with ``Bearer <token>``;
    ``headers`` are added to the 401."""
    bearer = HTTPBearer(auto_error=False)

    def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> None:
        if not token_matches(credentials.credentials if credentials else "", token):
            raise HTTPException(
                status_code=401,
                detail=f"a valid {what} bearer token is required",
                headers={"WWW-Authenticate": "Bearer", **(headers or {})},
            )

    return authorised
