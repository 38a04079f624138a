"""The fake GitHub's side of the App manifest flow (``reviewer setup``).

Two ends, as on GitHub: the web form that takes a manifest (``POST /settings/apps/new``
or ``/organizations/ORG/settings/apps/new``, field ``manifest``, ``?state=`` passed
through), and ``POST /app-manifests/{code}/conversions`` (no authentication), which turns
the single-use code into the App's id, private key and webhook secret.

GitHub shows the signed-in person a confirmation page before it redirects; the fake
confirms at once and answers with that redirect. The conversion creates the App and the
fake becomes it (it models one App), so the reviewer signs in with what it was given.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.github import Call, Reply, not_found, route

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

CODE_LIFETIME = 3600.0  # GitHub: a code is good for one hour, once
MANIFEST_KEYS = {
    "name", "url", "hook_attributes", "redirect_url", "callback_urls", "setup_url",
    "description", "public", "default_events", "default_permissions",
    "request_oauth_on_install", "setup_on_update",
}  # fmt: skip


@dataclass
class Pending:
    manifest: dict[str, Any]
    owner: str
    created: float = field(default_factory=time.time)


@dataclass
class ManifestFlow:
    """What the flow has seen; tests read ``received`` and turn the knobs."""

    signed_in: str = "octocat"  # who "clicks" on GitHub's confirmation page
    give_webhook_secret: bool = True  # False: the conversion answers webhook_secret null
    received: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, Pending] = field(default_factory=dict)
    webhook_secret: str | None = None  # of the App created last
    owner: str | None = None

    def expire_codes(self) -> None:
        """Age every outstanding code past its hour."""
        for pending in self.codes.values():
            pending.created -= CODE_LIFETIME + 1


def web_routes(fake: FakeGitHub) -> list[Route]:
    """github.com's form endpoints (outside ``/api/v3``), bound to ``fake``."""

    async def new_app(request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", "replace")
        if request.headers.get("content-type", "").split(";")[0] != (
            "application/x-www-form-urlencoded"
        ):
            return PlainTextResponse("A manifest comes from an HTML form.", status_code=415)
        text = parse_qs(raw, keep_blank_values=True).get("manifest", [""])[0]
        try:
            manifest = json.loads(text)
        except ValueError:
            return PlainTextResponse("Invalid GitHub App configuration: not JSON", 422)
        problem = manifest_problem(manifest)
        if problem:
            return PlainTextResponse(f"Invalid GitHub App configuration: {problem}", 422)
        code = secrets.token_hex(10)
        with fake.lock:
            fake.manifests.received.append(manifest)
            owner = request.path_params.get("org") or fake.manifests.signed_in
            fake.manifests.codes[code] = Pending(manifest, owner)
        query = {"code": code}
        if "state" in request.query_params:
            query["state"] = request.query_params["state"]
        target = manifest["redirect_url"]
        joiner = "&" if urlsplit(target).query else "?"
        return RedirectResponse(target + joiner + urlencode(query), status_code=302)

    return [
        Route("/settings/apps/new", new_app, methods=["POST"]),
        Route("/organizations/{org}/settings/apps/new", new_app, methods=["POST"]),
    ]


def manifest_problem(manifest: Any) -> str | None:
    """What GitHub's form would refuse in ``manifest``, or None."""
    if not isinstance(manifest, dict):
        return "the manifest is not an object"
    unknown = sorted(set(manifest) - MANIFEST_KEYS)
    if unknown:
        return f"unknown keys {unknown}"
    name = manifest.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 34:
        return "name must be 1 to 34 characters"
    hook = manifest.get("hook_attributes") or {}
    for what, value in (
        ("url", manifest.get("url")),
        ("redirect_url", manifest.get("redirect_url")),
        ("hook_attributes.url", hook.get("url")),
    ):
        if not isinstance(value, str) or urlsplit(value).scheme not in {"http", "https"}:
            return f"{what} must be an http(s) URL"
    permissions = manifest.get("default_permissions") or {}
    if any(level not in {"read", "write"} for level in permissions.values()):
        return "default_permissions take read or write"
    if not all(isinstance(e, str) for e in manifest.get("default_events") or []):
        return "default_events is a list of event names"
    return None


@route("POST", "/app-manifests/{code}/conversions", auth="none")
def convert_manifest(fake: FakeGitHub, c: Call) -> Reply:
    pending = fake.manifests.codes.pop(c.params["code"], None)
    if pending is None or time.time() - pending.created > CODE_LIFETIME:
        raise not_found()
    manifest = pending.manifest
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(  # GitHub hands out PKCS#1, "BEGIN RSA PRIVATE KEY"
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    fake.app_id = fake.next_id()
    fake.app_slug = re.sub(r"[^a-z0-9]+", "-", manifest["name"].lower()).strip("-")
    fake.public_key = key.public_key()
    fake.user(fake.bot_login, type="Bot")
    secret = secrets.token_hex(20) if fake.manifests.give_webhook_secret else None
    fake.manifests.webhook_secret, fake.manifests.owner = secret, pending.owner
    body = {
        **fake.render_app(c),
        "name": manifest["name"],
        "description": manifest.get("description"),
        "external_url": manifest["url"],
        "owner": fake.u(pending.owner, c),
        "permissions": dict(manifest.get("default_permissions") or {}),
        "events": list(manifest.get("default_events") or []),
        "installations_count": 0,
        "client_id": "Iv1." + secrets.token_hex(8),
        "client_secret": secrets.token_hex(20),
        "webhook_secret": secret,
        "pem": pem,
    }
    return Reply(body, 201)
