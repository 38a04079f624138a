"""Host settings from the environment (prefix ``REVIEWER_``); nothing in a PR can change them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from reviewer.errors import ConfigError
from reviewer.llm.pricing import ModelInfo
from reviewer.policy import Limits

MIN_TOKEN_CHARS = 32
"""Shortest accepted bearer token (``REVIEWER_AUDIT_TOKEN``, ``REVIEWER_METRICS_TOKEN``)."""


def default_database_url() -> str:
    """A SQLite file in the user's data directory, never inside a reviewed repo."""
    data_dir = Path(platformdirs.user_data_dir("pr-reviewer", appauthor=False))
    return f"sqlite:///{data_dir / 'reviewer.db'}"


class Settings(BaseSettings):
    """Every knob of the host. Names are fixed by ARCHITECTURE.md; additions keep the style."""

    model_config = SettingsConfigDict(
        env_prefix="REVIEWER_", env_file=".env", extra="ignore", frozen=True
    )

    webhook_secret: SecretStr | None = None
    github_app_id: int | None = None
    github_private_key: SecretStr | None = None
    github_private_key_path: Path | None = None
    github_api_url: str = "https://api.github.com"
    github_app_slug: str | None = None
    github_seconds_between_writes: float = Field(default=1.0, ge=0)
    github_backoff_base_seconds: float = Field(default=0.5, ge=0)
    database_url: str = Field(default_factory=default_database_url)

    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    models: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_cost_per_review_usd: Decimal = Field(default=Decimal("0.50"), ge=0)
    max_tokens_per_review: int = Field(default=1_000_000, gt=0)
    model_prices: dict[str, ModelInfo] = Field(default_factory=dict)
    model_timeout_seconds: float = Field(default=90.0, gt=0)
    model_max_retries: int = Field(default=2, ge=0)
    model_backoff_base_seconds: float = Field(default=1.0, ge=0)
    model_max_output_tokens: int = Field(default=2048, gt=0)
    model_cache_warmup: bool = True
    max_findings_per_review: int = Field(default=25, ge=1)

    # Feedback (docs/eval.md): ratings of our comments and per-rule precision.
    feedback_precision_floor: float = Field(default=0.5, ge=0, le=1)
    feedback_min_ratings: int = Field(default=10, ge=1)
    feedback_auto_demote: bool = False
    feedback_rate_limit_reserve: int = Field(default=500, ge=0)
    feedback_stop_after_close_days: float = Field(default=14.0, ge=0)
    feedback_poll_seconds: float = Field(default=900.0, ge=0)

    # Host ceiling on the repo policy's size limits: a repo may tighten, never loosen past.
    limits_max_files: int = Field(default=100, ge=1)
    limits_max_changed_lines: int = Field(default=2000, ge=1)
    limits_max_areas: int = Field(default=10, ge=1)

    audit_token: SecretStr | None = None
    metrics_token: SecretStr | None = None
    audit_signing_key: SecretStr | None = None
    audit_checkpoint_every: int = Field(default=100, ge=1)
    audit_session_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)
    audit_checkpoint_max_gap: int = Field(default=1000, ge=1)

    job_max_attempts: int = Field(default=5, ge=1)
    job_lease_seconds: float = Field(default=60.0, gt=0)
    job_backoff_base_seconds: float = Field(default=5.0, ge=0)
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    # Scale-out (docs/deploy.md): queue backend, fairness, backpressure, shutdown, sweeper.
    queue_backend: Literal["auto", "sql", "procrastinate"] = "auto"
    queue_installation_concurrency: int = Field(default=4, ge=1)
    queue_max_depth: int = Field(default=1000, ge=1)
    worker_shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    model_max_in_flight: int = Field(default=16, ge=1)
    redelivery_sweep_seconds: float = Field(default=600.0, ge=0)
    redelivery_lookback_hours: float = Field(default=72.0, gt=0)
    max_body_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"

    @field_validator("audit_token", "metrics_token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"must be at least {MIN_TOKEN_CHARS} characters (an empty or short token is "
                "guessed in no time); unset the variable to turn its endpoint off"
            )
        return value

    @field_validator("models", mode="before")
    @classmethod
    def _split_models(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("models")
    @classmethod
    def _check_models(cls, value: list[str]) -> list[str]:
        for entry in value:
            provider, sep, model = entry.partition(":")
            if not sep or provider not in {"anthropic", "openai"} or not model:
                raise ValueError(
                    f"{entry!r} is not provider:model with provider anthropic or openai"
                )
        return value

    @model_validator(mode="after")
    def _checkpoints_within_gap(self) -> Settings:
        if self.audit_checkpoint_every > self.audit_checkpoint_max_gap:
            raise ValueError(
                "REVIEWER_AUDIT_CHECKPOINT_EVERY must not exceed "
                "REVIEWER_AUDIT_CHECKPOINT_MAX_GAP, or verify would call every gap damage"
            )
        return self

    def limits_ceiling(self) -> Limits:
        return Limits(
            max_files=self.limits_max_files,
            max_changed_lines=self.limits_max_changed_lines,
            max_areas=self.limits_max_areas,
        )

    def private_key_pem(self) -> str | None:
        """The App's private key, from the PEM text or the file it points at."""
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        if self.github_private_key_path is not None:
            try:
                return self.github_private_key_path.read_text()
            except OSError as exc:
                raise ConfigError(
                    "REVIEWER_GITHUB_PRIVATE_KEY_PATH: cannot read "
                    f"{self.github_private_key_path}: {exc.strerror}"
                ) from exc
        return None


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning a validation failure into one error naming the variables."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, "REVIEWER_") from None
