"""Error types with messages a user can act on; the CLI prints them as one line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ReviewerError(Exception):
    """Base of every error we raise on purpose."""


class ConfigError(ReviewerError):
    """A host setting is missing or malformed; the message names the variable."""

    @classmethod
    def from_validation(cls, exc: ValidationError, prefix: str) -> ConfigError:
        """One error naming every environment variable (``prefix`` + field) that failed."""
        problems = [
            f"{prefix}{str(err['loc'][0]).upper() if err['loc'] else ''}: {err['msg']}"
            for err in exc.errors()
        ]
        return cls("invalid settings: " + "; ".join(problems))


class GitError(ReviewerError):
    """A local git operation failed (not a repo, bad ref, nothing to compare)."""


class WebhookError(ReviewerError):
    """A delivery cannot be accepted; ``status`` is the HTTP code to answer with."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class InvalidSignature(WebhookError):
    """Missing or wrong ``X-Hub-Signature-256``: answered 401 before any parsing."""

    status = 401


class PolicyError(ReviewerError):
    """The repo's ``.github/reviewer.yml`` does not validate; the PR gets ``human``."""
