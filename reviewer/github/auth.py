"""GitHub App authentication: the App JWT and installation tokens that are re-minted
before they expire and after a 401, so a long job never runs on a dead token."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from github import Auth, GithubException, GithubIntegration

from reviewer.errors import ConfigError, ReviewerError
from reviewer.settings import Settings

JWT_ISSUED_AT = -60  # seconds: GitHub allows for clock drift this way
JWT_EXPIRY = 540  # seconds: GitHub's hard limit is 600
REFRESH_MARGIN_S = 300


class GitHubAuthError(ReviewerError):
    """The App could not get an installation token (wrong key, app id, uninstalled)."""


@dataclass(frozen=True)
class AppCredentials:
    app_id: int
    private_key: str
    api_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> AppCredentials:
        key = settings.private_key_pem()
        if settings.github_app_id is None:
            raise ConfigError("REVIEWER_GITHUB_APP_ID is not set")
        if key is None:
            raise ConfigError(
                "REVIEWER_GITHUB_PRIVATE_KEY or REVIEWER_GITHUB_PRIVATE_KEY_PATH is not set"
            )
        return cls(settings.github_app_id, key, settings.github_api_url.rstrip("/"))


class InstallationTokens:
    """Mints and renews one installation's token; thread-safe.

    ``shared()`` gives every job and poll cycle of a process the same instance per
    installation, so a token is reused while valid (GitHub's ETags belong to a token, and
    each mint is one more request) and re-minted only near expiry or after a 401.
    """

    _shared: dict[tuple[int, str, int], InstallationTokens] = {}  # noqa: RUF012
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls, creds: AppCredentials, installation_id: int) -> InstallationTokens:
        key = (creds.app_id, creds.api_url, installation_id)
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None or found.creds != creds:
                found = cls._shared[key] = cls(creds, installation_id)
            return found

    @classmethod
    def forget_shared(cls) -> None:
        """Drop every shared token (a test's fresh fake GitHub knows none of them)."""
        with cls._shared_lock:
            cls._shared.clear()

    def __init__(self, creds: AppCredentials, installation_id: int) -> None:
        self.creds = creds
        self.installation_id = installation_id
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.mints = 0

    def _integration(self) -> GithubIntegration:
        auth = Auth.AppAuth(
            self.creds.app_id,
            self.creds.private_key,
            jwt_expiry=JWT_EXPIRY,
            jwt_issued_at=JWT_ISSUED_AT,
        )
        return GithubIntegration(auth=auth, base_url=self.creds.api_url, retry=None)

    def token(self, force: bool = False) -> str:
        with self._lock:
            fresh = self._token and self._expires_at - time.time() > REFRESH_MARGIN_S
            if force or not fresh:
                self._mint()
            assert self._token is not None
            return self._token

    def _mint(self) -> None:
        self.mints += 1
        try:
            grant = self._integration().get_access_token(self.installation_id)
        except GithubException as exc:
            raise GitHubAuthError(
                f"could not mint a token for installation {self.installation_id}: "
                f"HTTP {exc.status} {exc.data.get('message') if isinstance(exc.data, dict) else ''}"
            ) from exc
        self._token = grant.token
        expires = grant.expires_at or datetime.now(UTC)
        self._expires_at = expires.timestamp()
