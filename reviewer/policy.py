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

# The files that steer the reviewer itself, and the places where a mistake is costly: by
# folder and by name, because security code lives in ``httpx/_auth.py`` as often as in
# ``auth/``. A repo replaces the whole list with ``sensitive_paths`` in its policy.
DEFAULT_SENSITIVE_PATHS: tuple[str, ...] = (
    # CI and the reviewer's own configuration
    ".github/workflows/**",
    ".github/actions/**",
    ".github/reviewer.yml",
    ".github/reviewer/**",
    "CODEOWNERS",
    ".gitlab-ci.yml",
    ".gitlab/ci/**",
    ".circleci/**",
    ".travis.yml",
    "azure-pipelines.yml",
    ".azure-pipelines/**",
    ".buildkite/**",
    "Jenkinsfile",
    "bitbucket-pipelines.yml",
    ".drone.yml",
    "appveyor.yml",
    ".woodpecker.yml",
    ".woodpecker/**",
    # security-relevant modules, by folder and by name
    "**/auth/**",
    "*auth.*",
    "*auth_*.*",
    "*authn*",
    "*authz*",
    "*authenticat*",
    "*authoriz*",
    "*login*",
    "*session*.*",
    "*password*",
    "*passwd*",
    "*permission*",
    "*security*",
    "*crypt*",
    "*payment*",
    "**/billing/**",
    "*billing*",
    # database migrations
    "**/migrations/**",
    "**/alembic/**",
    "**/migrate/**",
    # builds, images and the package indexes they install from
    "Dockerfile",
    "Dockerfile.*",
    "*.dockerfile",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "Makefile",
    "GNUmakefile",
    "*.mk",
    "setup.py",
    ".npmrc",
    ".yarnrc",
    ".yarnrc.yml",
    "pip.conf",
    "pip.ini",
    ".pypirc",
    # infrastructure
    "infra/**",
    "terraform/**",
    "*.tf",
    # lockfiles: resolved dependency versions
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

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    max_files: int = Field(default=20, ge=1)
    """Changed files above this send the PR to a human with a request to split it
    (the host's `REVIEWER_LIMITS_MAX_FILES` is a ceiling a repository cannot raise)."""
    max_changed_lines: int = Field(default=400, ge=1)
    """Added plus deleted lines above this send the PR to a human (host ceiling:
    `REVIEWER_LIMITS_MAX_CHANGED_LINES`)."""
    max_areas: int = Field(default=3, ge=1)
    """Top-level directories touched above this send the PR to a human (host ceiling:
    `REVIEWER_LIMITS_MAX_AREAS`)."""


class AuthorPolicy(BaseModel):
    """Whose pull requests may be approved without a human."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    allow: tuple[str, ...] = Field(default=(), examples=[["release-captain"]])
    """Logins trusted whatever their association with the repository."""
    deny: tuple[str, ...] = Field(default=(), examples=[["intern-account"]])
    """Logins whose pull requests always need a human."""
    allow_bots: tuple[str, ...] = Field(default=(), examples=[["dependabot[bot]"]])
    """Bots whose pull requests may be approved; any other bot gets a human."""
    trusted_associations: tuple[str, ...] = ("OWNER", "MEMBER", "COLLABORATOR")
    """GitHub author associations that count as trusted; first-time contributors and
    forks never do."""


class RequireHuman(BaseModel):
    """Labels and paths that always need a human. The ``reviewer: human`` label needs no
    entry here: a person adding it is recorded as an override that lasts for the PR."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    labels: tuple[str, ...] = Field(default=(), examples=[["needs-security-review"]])
    """A PR carrying any of these labels needs a human."""
    paths: tuple[str, ...] = Field(default=(), examples=[["src/payments/**"]])
    """A PR touching any of these globs needs a human (in addition to
    `sensitive_paths`)."""


class Policy(BaseModel):
    """Version 1 of the repo policy. Unknown keys are errors, so typos do not pass."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    version: Literal[1] = 1
    """The policy format; only 1 exists."""
    auto_approve: bool = False
    """`false` is shadow mode: the check says what the reviewer would have done and a
    human decides. Set `true` once the audit log shows the reviewer can be trusted."""
    limits: Limits = Field(default_factory=Limits)
    """Size limits above which a PR is sent to a human with a request to split it."""
    sensitive_paths: tuple[str, ...] = DEFAULT_SENSITIVE_PATHS
    """Globs of paths whose change always needs a human (gate `path.sensitive`). The
    default covers CI configs of the common CI systems (`.github/workflows/**`,
    `.gitlab-ci.yml`, `.circleci/**`, `Jenkinsfile`, ...), the reviewer's own policy and
    guidance, CODEOWNERS, security modules by folder and by name (`**/auth/**`, `*auth.*`,
    `*authenticat*`, `*authoriz*`, `*login*`, `*session*.*`, `*password*`, `*permission*`,
    `*security*`, `*crypt*`, `*payment*`, `*billing*`), database migrations
    (`**/migrations/**`, `**/alembic/**`), builds (`Dockerfile*`, `docker-compose*.yml`,
    `Makefile`, `*.mk`, `setup.py`), package-index configs (`.npmrc`, `pip.conf`,
    `.pypirc`), infrastructure (`infra/**`, `*.tf`) and lockfiles. A pattern without `/`
    matches a name at any depth. Setting the key replaces the whole default list, so copy
    the defaults you want to keep; paths that only add to them go in
    `require_human_for.paths`."""
    authors: AuthorPolicy = Field(default_factory=AuthorPolicy)
    """Whose pull requests may be approved without a human."""
    require_human_for: RequireHuman = Field(default_factory=RequireHuman)
    """Labels and paths that always need a human."""
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    """Model findings below this confidence (0 to 1) are dropped; `major` and `blocker`
    findings always count, whatever their confidence."""
    reviewers: tuple[str, ...] = Field(default=(), examples=[["octocat", "acme/backend"]])
    """Users (or `org/team`) asked to review when a human is needed."""
    approve_into: tuple[str, ...] = Field(
        default=(),
        description="base branches (globs) besides the default branch a PR may be "
        "approved into; a PR into any other branch needs a human",
        examples=[["release/*"]],
    )
    ai_authors: tuple[str, ...] = Field(default=(), examples=[["our-codegen-bot"]])
    """Accounts whose PRs or commits count as written by a coding agent (the outcome
    report compares revert rates by author type); known agents are recognised without
    this."""


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if match is None:  # an unknown key: point at the key itself
                match = next((k for k, _ in node.value if getattr(k, "value", None) == key), None)
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def load_policy(text: str | None, ceiling: Limits | None = None) -> Policy:
    """Parse a policy file; ``None`` (no file) means the defaults.

    Errors name the file, the line and the key. ``ceiling`` is the host's upper bound on
    the size limits: a repo may tighten them, never loosen them past the host.
    """
    if text is None or not text.strip():
        policy = Policy()
    else:
        try:
            data = yaml.safe_load(text)
            root = yaml.compose(text)
        except yaml.YAMLError as exc:
            raise PolicyError(f"{POLICY_PATH} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise PolicyError(f"{POLICY_PATH}: the file must be a mapping of settings")
        try:
            policy = Policy.model_validate(data)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"]) or "(root)"
                line = _line_of(root, tuple(err["loc"]))
                problems.append(f"{POLICY_PATH}:{line}: {key}: {err['msg']}")
            raise PolicyError("invalid policy: " + "; ".join(problems)) from None
    return clamp(policy, ceiling) if ceiling is not None else policy


def clamp(policy: Policy, ceiling: Limits) -> Policy:
    limits = Limits(
        max_files=min(policy.limits.max_files, ceiling.max_files),
        max_changed_lines=min(policy.limits.max_changed_lines, ceiling.max_changed_lines),
        max_areas=min(policy.limits.max_areas, ceiling.max_areas),
    )
    return policy.model_copy(update={"limits": limits})


def policy_digest(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()
