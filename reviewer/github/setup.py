"""``reviewer setup``: register the reviewer as a GitHub App with GitHub's manifest flow
and keep what GitHub returns (id, slug, private key, webhook secret) in ``.env``.

The ``.env`` is checked before anything is registered: an App created on GitHub whose
private key cannot be stored is an App to delete by hand.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewer import envfile
from reviewer.github.manifest import (
    APP_YML,
    GITHUB_WEB,
    GitHubSite,
    NewApp,
    SetupError,
    build_manifest,
    exchange_code,
)
from reviewer.github.setup_page import Outcome, SetupPage

APP_ID = "REVIEWER_GITHUB_APP_ID"
APP_SLUG = "REVIEWER_GITHUB_APP_SLUG"
PRIVATE_KEY = "REVIEWER_GITHUB_PRIVATE_KEY"
PRIVATE_KEY_PATH = "REVIEWER_GITHUB_PRIVATE_KEY_PATH"
WEBHOOK_SECRET = "REVIEWER_WEBHOOK_SECRET"
API_URL = "REVIEWER_GITHUB_API_URL"
CREDENTIALS = (APP_ID, APP_SLUG, PRIVATE_KEY, PRIVATE_KEY_PATH, WEBHOOK_SECRET)
WRITTEN = (APP_ID, APP_SLUG, PRIVATE_KEY, WEBHOOK_SECRET, API_URL)


@dataclass(frozen=True)
class SetupOptions:
    public_url: str
    env_file: Path
    org: str | None = None
    port: int = 0
    force: bool = False
    name: str | None = None
    manifest: Path = APP_YML
    github_url: str = GITHUB_WEB


def open_page(options: SetupOptions, notify: Callable[[str], None]) -> SetupPage:
    """Check everything that can be checked first, then serve the local page."""
    site = GitHubSite.at(options.github_url)
    check_env_file(options.env_file, options.force)
    if not options.manifest.is_file():
        raise SetupError(
            f"no App manifest at {options.manifest}: pass --manifest PATH to the app.yml "
            "of a checkout of the reviewer"
        )

    def manifest_for(callback_url: str) -> dict[str, object]:
        return build_manifest(
            options.manifest,
            public_url=options.public_url,
            redirect_url=callback_url,
            name=options.name,
        )

    def handle_code(code: str) -> Outcome:
        try:
            app = exchange_code(site, code)
        except SetupError as exc:
            return Outcome(error=str(exc))
        try:
            stored = store(app, site, options.org, options.env_file)
            return Outcome(app=app, stored=stored)
        except envfile.EnvFileError as exc:
            return Outcome(
                error=f"{exc}. GitHub created the App at {app.html_url}: generate a private "
                "key in its settings and set the variables by hand (README, Settings)"
            )

    return SetupPage(site, options.org, options.port, manifest_for, handle_code, notify)


def check_env_file(path: Path, force: bool) -> None:
    """Refuse before GitHub is asked: an App's settings already there (without
    ``force``), or a file that cannot be parsed or written."""
    held = sorted(envfile.existing_keys(path) & set(CREDENTIALS))
    if held and not force:
        raise SetupError(
            f"{path} already holds an App's settings ({', '.join(held)}): add --force to "
            "replace them (other settings are kept), or choose another --env-file"
        )
    if not path.parent.is_dir():
        raise SetupError(f"cannot write {path}: the folder {path.parent} does not exist")
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        raise SetupError(f"cannot write {path}: permission denied")


def store(app: NewApp, site: GitHubSite, org: str | None, path: Path) -> str:
    """Write the App's settings into ``path``; returns what was done, in a sentence or two.
    Without a webhook secret from GitHub a fresh one is written, for the user to enter in
    the App's settings (until then every delivery is refused: fail closed)."""
    secret = app.webhook_secret or secrets.token_hex(32)
    envfile.update(
        path,
        {
            APP_ID: str(app.id),
            APP_SLUG: app.slug,
            PRIVATE_KEY: app.pem,
            WEBHOOK_SECRET: secret,
            API_URL: site.api,
        },
        drop=[PRIVATE_KEY_PATH],
    )
    done = f"Its id, slug, private key and webhook secret are in {path.resolve()} (mode 0600)."
    if app.webhook_secret is None:
        done += (
            f" GitHub set no webhook secret, so a fresh one is there as {WEBHOOK_SECRET}: "
            f"enter the same value under 'Webhook secret' at {settings_url(site, org, app)}; "
            "until then `reviewer serve` refuses every delivery (401)."
        )
    return done


def settings_url(site: GitHubSite, org: str | None, app: NewApp) -> str:
    """The App's settings page on GitHub (where a webhook secret is entered)."""
    where = f"/organizations/{org}" if org else ""
    return f"{site.web}{where}/settings/apps/{app.slug}"


def shadowed() -> list[str]:
    """The written keys this shell sets too: the environment wins over ``.env``."""
    upper = {key.upper() for key in os.environ}
    return [key for key in WRITTEN if key in upper]
