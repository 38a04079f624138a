"""The local page of ``reviewer setup``: a button that posts the manifest to GitHub, and
the callback GitHub redirects to with a one-time code.

Served on 127.0.0.1 only, to requests naming that host (a page on another site cannot
read it through DNS rebinding), and a callback counts only with this run's random
``state``: otherwise any site could make the browser hand us a code for an App it owns.
"""

from __future__ import annotations

import errno
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reviewer.github.manifest import GitHubSite, NewApp, SetupError

HandleCode = Callable[[str], "Outcome"]
"""Exchanges GitHub's code and stores what it returns."""


def _render(page: str, title: str, **values: Any) -> str:
    """The page from ``setup.html``, autoescaped like every page of ours: the App's name,
    the org and GitHub's messages are text, never markup."""
    from reviewer.web.templating import environment

    return environment().get_template("setup.html").render(page=page, title=title, **values)


@dataclass(frozen=True)
class Outcome:
    """How the run ended: the App and where its settings went, or why not."""

    app: NewApp | None = None
    stored: str = ""
    error: str = ""


class SetupPage:
    """Serves the page until GitHub's redirect is handled (:meth:`wait`)."""

    def __init__(
        self,
        site: GitHubSite,
        org: str | None,
        port: int,
        manifest_for: Callable[[str], dict[str, Any]],
        handle_code: HandleCode,
        notify: Callable[[str], None],
    ) -> None:
        """``manifest_for(callback_url)`` builds the manifest once the port is known."""
        try:
            self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SetupError(
                    f"port {port} is in use: pick another with --port N (0: any free port)"
                ) from None
            raise SetupError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        self.server.daemon_threads = True
        self.server.page = self  # type: ignore[attr-defined]
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = secrets.token_urlsafe(32)
        self.site, self.org, self.handle_code, self.notify = site, org, handle_code, notify
        try:
            self.new_app_url = site.new_app_url(org, self.state)
            self.manifest = manifest_for(self.url + "/callback")
        except SetupError:
            self.server.server_close()
            raise
        self.outcome: Outcome | None = None
        self.done = threading.Event()  # set once the callback's answer is sent
        self._exchange = threading.Lock()

    def wait(self) -> Outcome:
        """Serve until the callback finished (either way); Ctrl-C propagates."""
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            while not self.done.wait(0.5):
                pass
        finally:
            self.server.shutdown()
            self.server.server_close()
        assert self.outcome is not None
        return self.outcome

    # ----------------------------------------------------------------- pages

    def start_page(self) -> tuple[int, str]:
        return 200, _render(
            "start",
            "Set up the PR reviewer",
            site=self.site.web,
            org=self.org,
            manifest=self.manifest,
            manifest_json=json.dumps(self.manifest),
            action=self.new_app_url,
        )

    def callback(self, query: str) -> tuple[int, str]:
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if not hmac.compare_digest(params.get("state", "").encode(), self.state.encode()):
            self.notify(
                "rejected a callback whose state is not this run's (an old tab, or another "
                f"site); still waiting: open {self.url}"
            )
            return 400, _error_page(
                "This link does not belong to the running reviewer setup (wrong state).",
                restart=self.url + "/",
            )
        with self._exchange:
            if self.outcome is None:
                try:
                    self.outcome = self.handle_code(params.get("code", ""))
                except Exception as exc:  # a bug must end the run, not leave it waiting
                    self.outcome = Outcome(error=f"setup failed: {type(exc).__name__}: {exc}")
        if self.outcome.app is None:
            return 502, _error_page(self.outcome.error)
        return 200, self._success_page(self.outcome)

    def _success_page(self, outcome: Outcome) -> str:
        return _render("done", "The App is registered", app=outcome.app, stored=outcome.stored)


def _error_page(message: str, restart: str | None = None) -> str:
    return _render("error", "Setup did not finish", message=message, restart=restart)


class _Handler(BaseHTTPRequestHandler):
    server_version = "reviewer-setup"

    def do_GET(self) -> None:
        page: SetupPage = self.server.page  # type: ignore[attr-defined]
        target = urlsplit(self.path)
        if self.headers.get("Host") not in {f"127.0.0.1:{page.port}", f"localhost:{page.port}"}:
            self._send(421, _error_page("Open this page at its address on 127.0.0.1."), page)
        elif target.path == "/":
            self._send(*page.start_page(), page)
        elif target.path == "/callback":
            self._send(*page.callback(target.query), page)
            if page.outcome is not None:
                page.done.set()
        else:
            self._send(404, _error_page("Nothing here."), page)

    def _send(self, status: int, html: str, page: SetupPage) -> None:
        data = html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            f"frame-ancestors 'none'; form-action {page.site.web} 'self'",
        )
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a request line holds the one-time code."""
