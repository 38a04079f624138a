"""Sign-in for the auditors' pages: the audit token, typed once, buys a session cookie.

The cookie is HttpOnly (no script can read it), SameSite=Strict (no other site can make
the browser send it), Secure when served over HTTPS, signed with a key derived from the
token (a new token ends every session), and expires. The token itself never appears in a
URL, a page or a log. Forms that change state (sign-in, sign-out) carry a CSRF token that
must match a signed cookie, and a cross-site ``Origin`` is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from reviewer.bearer import token_matches

SESSION_COOKIE = "reviewer_audit_session"
SIGNIN_COOKIE = "reviewer_audit_signin"
SIGNIN_FORM_SECONDS = 600


class SessionRefused(Exception):
    """No valid session: the message tells the person what to do."""


@dataclass(frozen=True, slots=True)
class Session:
    csrf: str


class Sessions:
    def __init__(self, token: str, max_age_seconds: int) -> None:
        self._token = token.encode()
        key = hmac.new(self._token, b"reviewer-audit-session-key", hashlib.sha256).digest()
        self._sessions = URLSafeTimedSerializer(key, salt="audit-session")
        self._forms = URLSafeTimedSerializer(key, salt="audit-signin-form")
        self.max_age = max_age_seconds

    def token_matches(self, given: str) -> bool:
        return token_matches(given, self._token.decode())

    def new_session(self) -> tuple[str, Session]:
        """(cookie value, session) for a person who just gave the right token."""
        session = Session(csrf=secrets.token_urlsafe(24))
        return self._sessions.dumps({"csrf": session.csrf}), session

    def read(self, cookie: str | None) -> Session:
        if not cookie:
            raise SessionRefused("Sign in with the audit token to see the audit pages.")
        try:
            data = self._sessions.loads(cookie, max_age=self.max_age)
        except SignatureExpired:
            raise SessionRefused("Your session expired. Sign in again.") from None
        except BadSignature:
            raise SessionRefused("Your session is not valid here. Sign in again.") from None
        return Session(csrf=str(data["csrf"]))

    def new_form(self) -> tuple[str, str]:
        """(cookie value, form field) binding one sign-in form to this browser."""
        nonce = secrets.token_urlsafe(24)
        return self._forms.dumps(nonce), nonce

    def form_matches(self, cookie: str | None, field: str) -> bool:
        if not cookie or not field:
            return False
        try:
            nonce = self._forms.loads(cookie, max_age=SIGNIN_FORM_SECONDS)
        except BadSignature:  # includes SignatureExpired
            return False
        return hmac.compare_digest(str(nonce).encode(), field.encode())


def same_origin(origin: str | None, host: str | None, scheme: str) -> bool:
    """A missing ``Origin`` (older browsers, same-origin GET) is allowed; a foreign one not."""
    if origin is None:
        return True
    return origin == f"{scheme}://{host}"
