"""Error types with messages a user can act on; the CLI prints them as one line."""

from __future__ import annotations


class ReviewerError(Exception):
    """Base of every error we raise on purpose."""


class ConfigError(ReviewerError):
    """A host setting is missing or malformed; the message names the variable."""


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
