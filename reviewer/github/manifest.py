"""GitHub's App manifest flow, the two halves that talk to GitHub: ``app.yml`` made into
the manifest its form takes, and the one-time code exchanged for the new App's id,
private key and webhook secret (``POST /app-manifests/{code}/conversions``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import yaml

from reviewer.errors import ReviewerError

GITHUB_WEB = "https://github.com"
APP_YML = Path(__file__).resolve().parents[2] / "app.yml"  # this checkout's manifest
_ORG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,200}")
_MANIFEST_KEYS = ("name", "url", "description", "public", "default_permissions", "default_events")
MAX_NAME = 34  # GitHub's limit on an App's name


class SetupError(ReviewerError):
    """``reviewer setup`` cannot go on; the message says what to do."""


def http_url(value: str, option: str) -> str:
    """``value`` without a trailing slash, when it is an absolute http(s) URL."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query:
        raise SetupError(f"{option}: {value!r} is not an http(s) URL such as https://host")
    return value.strip().rstrip("/")


@dataclass(frozen=True)
class GitHubSite:
    """Where the App is registered: github.com, or a GitHub Enterprise Server."""

    web: str
    api: str

    @classmethod
    def at(cls, web_url: str) -> GitHubSite:
        web = http_url(web_url, "--github-url")
        host = urlsplit(web).hostname
        api = "https://api.github.com" if host == "github.com" else web + "/api/v3"
        return cls(web, api)

    def new_app_url(self, org: str | None, state: str) -> str:
        """The form target: the user's new-App page, or an organization's."""
        if org is not None and not _ORG.fullmatch(org):
            raise SetupError(f"--org: {org!r} is not a GitHub organization name")
        where = f"/organizations/{org}" if org else ""
        return f"{self.web}{where}/settings/apps/new?{urlencode({'state': state})}"


@dataclass(frozen=True)
class NewApp:
    """What the code exchange returns that the reviewer keeps."""

    id: int
    slug: str
    name: str
    html_url: str
    pem: str
    webhook_secret: str | None

    @property
    def install_url(self) -> str:
        return self.html_url + "/installations/new"


def build_manifest(
    source: Path, *, public_url: str, redirect_url: str, name: str | None = None
) -> dict[str, Any]:
    """``source`` (app.yml) with the webhook at ``public_url``/webhook and the redirect
    back to the local page; permissions and events are kept as written."""
    try:
        data = yaml.safe_load(source.read_text())
    except OSError as exc:
        raise SetupError(f"cannot read the manifest {source}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SetupError(f"{source} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("default_permissions"), dict):
        raise SetupError(f"{source} is not an App manifest (no default_permissions)")
    manifest = {key: data[key] for key in _MANIFEST_KEYS if key in data}
    manifest["name"] = name or manifest.get("name")
    if not isinstance(manifest["name"], str) or not 0 < len(manifest["name"]) <= MAX_NAME:
        raise SetupError(f"the App's name must be 1 to {MAX_NAME} characters (--name)")
    base = http_url(public_url, "--url")
    manifest["url"] = manifest.get("url") or base
    manifest["hook_attributes"] = {**(data.get("hook_attributes") or {}), "url": base + "/webhook"}
    manifest["redirect_url"] = redirect_url
    return manifest


def exchange_code(site: GitHubSite, code: str, timeout: float = 30.0) -> NewApp:
    """Trade the code GitHub redirected with for the App's credentials (no sign-in needed;
    a code works once, for one hour)."""
    if not _CODE.fullmatch(code):
        raise SetupError("GitHub's redirect carried no valid code")
    url = f"{site.api}/app-manifests/{quote(code, safe='')}/conversions"
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    try:
        answer = httpx.post(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise SetupError(
            f"cannot reach GitHub at {site.api} ({type(exc).__name__}: {exc}); check "
            "--github-url and the network, then run `reviewer setup` again"
        ) from None
    if answer.status_code in (404, 422):
        raise SetupError(
            "GitHub did not accept the code: it was used already or is older than one hour. "
            "Run `reviewer setup` again (if GitHub shows the App under Settings -> Developer "
            "settings -> GitHub Apps, delete it first or pick another --name)"
        )
    if answer.status_code != 201:
        raise SetupError(f"GitHub answered {answer.status_code} to the code exchange")
    return _new_app(answer)


def _new_app(answer: httpx.Response) -> NewApp:
    try:
        body = answer.json()
        app = NewApp(
            id=int(body["id"]),
            slug=str(body["slug"]),
            name=str(body["name"]),
            html_url=http_url(str(body["html_url"]), "html_url"),
            pem=str(body["pem"]),
            webhook_secret=body["webhook_secret"],
        )
    except (ValueError, KeyError, TypeError, SetupError):
        raise SetupError("GitHub's answer to the code exchange is not an App") from None
    if "PRIVATE KEY-----" not in app.pem or not isinstance(app.webhook_secret, str | None):
        raise SetupError("GitHub's answer to the code exchange holds no private key")
    return app
