"""Error types with messages a user can act on; the CLI prints them as one line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL")  # never echoed back


class ReviewerError(Exception):
    """Base of every error we raise on purpose."""


class ConfigError(ReviewerError):
    """A host setting is missing or malformed; the message names the variable."""

    @classmethod
    def from_validation(cls, exc: ValidationError, prefix: str) -> ConfigError:
        """One error naming every environment variable (``prefix`` + field) that failed,
        with the value given, unless the variable holds a secret."""
        problems = []
        for err in exc.errors():
            name = f"{prefix}{str(err['loc'][0]).upper() if err['loc'] else ''}"
            problem = f"{name}: {str(err['msg']).removeprefix('Value error, ')}"
            given = err.get("input")
            if isinstance(given, str | int | float) and not _SECRET_NAME.search(name):
                problem += f" (got {str(given)[:80]!r})"
            problems.append(problem)
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
