"""Repo policy (``.github/reviewer.yml`` on the default branch) with documented defaults.

A policy that does not validate never falls back to the defaults silently: the caller
records the error and every PR in the repo gets ``human`` with the message.
"""

from __future__ import annotations

import hashlib
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reviewer.errors import PolicyError

POLICY_PATH = ".github/reviewer.yml"
GUIDANCE_DIR = ".github/reviewer"

# The files that steer the reviewer itself, and the places where a mistake is costly.
DEFAULT_SENSITIVE_PATHS: tuple[str, ...] = (
    ".github/workflows/**",
    ".github/actions/**",
    ".github/reviewer.yml",
    ".github/reviewer/**",
    "CODEOWNERS",
    "**/migrations/**",
    "**/auth/**",
    "**/billing/**",
    "infra/**",
    "terraform/**",
    "*.tf",
    "Dockerfile",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "Cargo.lock",
    "go.sum",
    "Gemfile.lock",
)


class Limits(BaseModel):
    """Size limits above which a PR is sent to a human with a request to split it.

    Defaults follow the SmartBear/Cisco review study (defect detection falls off past
    200-400 changed lines per review); see docs/decisions.md.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_files: int = Field(default=20, ge=1)
    max_changed_lines: int = Field(default=400, ge=1)
    max_areas: int = Field(default=3, ge=1)


class AuthorPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_bots: tuple[str, ...] = ()
    trusted_associations: tuple[str, ...] = ("OWNER", "MEMBER", "COLLABORATOR")


class RequireHuman(BaseModel):
    """Labels and paths that always need a human. The ``reviewer: human`` label needs no
    entry here: a person adding it is recorded as an override that lasts for the PR."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    labels: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


class Policy(BaseModel):
    """Version 1 of the repo policy. Unknown keys are errors, so typos do not pass."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    auto_approve: bool = False
    limits: Limits = Field(default_factory=Limits)
    sensitive_paths: tuple[str, ...] = DEFAULT_SENSITIVE_PATHS
    authors: AuthorPolicy = Field(default_factory=AuthorPolicy)
    require_human_for: RequireHuman = Field(default_factory=RequireHuman)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    reviewers: tuple[str, ...] = ()


def load_policy(text: str | None) -> Policy:
    """Parse a policy file; ``None`` (no file) means the defaults."""
    if text is None or not text.strip():
        return Policy()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{POLICY_PATH} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{POLICY_PATH} must be a mapping of settings")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise PolicyError(f"{POLICY_PATH} is invalid: " + "; ".join(problems)) from None


def policy_digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()
