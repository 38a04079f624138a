"""The redelivery sweeper: ask GitHub for the App's webhook deliveries of the last days and
redeliver the failed ones we never accepted (e.g. GitHub could not reach us during a
deploy or an outage). GitHub does not retry failed deliveries by itself.

A delivery counts as handled when any attempt with its GUID got a 2xx from us, or when its
GUID is in our ``deliveries`` table. Each GUID is redelivered at most ``MAX_ATTEMPTS``
times in total (GitHub lists every attempt), so a delivery we keep rejecting (e.g. a bad
signature after a secret rotation) is not redelivered forever. On PostgreSQL one sweeper
runs at a time across all hosts (advisory lock); the rest skip that round.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from github import Auth
from sqlalchemy import Engine, select, text

from reviewer import metrics
from reviewer.github.auth import JWT_EXPIRY, JWT_ISSUED_AT, AppCredentials
from reviewer.logs import log
from reviewer.store.db import reading
from reviewer.store.models import Delivery

MAX_ATTEMPTS = 3
MAX_PAGES = 50  # 5,000 deliveries per sweep at most
SWEEP_LOCK = 0x7265646C  # "redl"


@dataclass
class SweepResult:
    seen: int = 0
    redelivered: list[str] = field(default_factory=list)
    skipped_lock: bool = False


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class RedeliverySweeper:
    def __init__(
        self,
        creds: AppCredentials,
        engine: Engine,
        *,
        lookback_hours: float = 72.0,
        timeout: float = 30.0,
    ) -> None:
        self.creds = creds
        self.engine = engine
        self.lookback_seconds = lookback_hours * 3600
        self.timeout = timeout

    def _client(self) -> httpx.Client:
        auth = Auth.AppAuth(
            self.creds.app_id,
            self.creds.private_key,
            jwt_expiry=JWT_EXPIRY,
            jwt_issued_at=JWT_ISSUED_AT,
        )
        return httpx.Client(
            base_url=self.creds.api_url,
            timeout=self.timeout,
            headers={
                "Authorization": f"Bearer {auth.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )

    def _get(self, client: httpx.Client, url: str, params: dict[str, Any] | None) -> httpx.Response:
        response = client.get(url, params=params)
        metrics.GITHUB_REQUESTS.labels(method="GET", status=str(response.status_code)).inc()
        response.raise_for_status()
        return response

    def sweep(self, now: float | None = None) -> SweepResult:
        """One round; raises on GitHub or database errors (the loop logs them)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SWEEP_LOCK})
                if not got.scalar():
                    return SweepResult(skipped_lock=True)
            try:
                return self._sweep(now if now is not None else time.time())
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SWEEP_LOCK})
                    conn.commit()

    def _sweep(self, now: float) -> SweepResult:
        since = now - self.lookback_seconds
        result = SweepResult()
        attempts: dict[str, list[dict[str, Any]]] = {}
        with self._client() as client:
            url: str | None = "/app/hook/deliveries"
            params: dict[str, Any] | None = {"per_page": 100}
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                response = self._get(client, url, params)
                page = response.json()
                old = False
                for item in page:
                    if _parse_time(item["delivered_at"]) < since:
                        old = True
                        continue
                    attempts.setdefault(item["guid"], []).append(item)
                result.seen += len(page)
                next_link = response.links.get("next", {}).get("url")
                url, params = (None, None) if old or not next_link else (next_link, None)
            failed = {
                guid: items
                for guid, items in attempts.items()
                if not any(200 <= int(i.get("status_code") or 0) < 300 for i in items)
                and len(items) < MAX_ATTEMPTS
            }
            accepted = self._accepted(list(failed))
            for guid, items in failed.items():
                if guid in accepted:
                    continue
                latest = max(items, key=lambda i: i["id"])
                response = client.post(f"/app/hook/deliveries/{latest['id']}/attempts")
                metrics.GITHUB_REQUESTS.labels(
                    method="POST", status=str(response.status_code)
                ).inc()
                if response.status_code < 300:
                    result.redelivered.append(guid)
                    metrics.REDELIVERIES.inc()
                else:
                    log.warning("redelivery.failed", guid=guid, status=response.status_code)
        log.info("redelivery.swept", seen=result.seen, redelivered=len(result.redelivered))
        return result

    def _accepted(self, guids: list[str]) -> set[str]:
        if not guids:
            return set()
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(Delivery.delivery_id).where(Delivery.delivery_id.in_(guids))
            ).scalars()
            return set(rows)

    def run(self, stop: threading.Event, every_seconds: float) -> None:
        """On start, then every ``every_seconds`` until ``stop``; never raises."""
        while not stop.is_set():
            try:
                self.sweep()
            except Exception as exc:
                log.warning("redelivery.sweep_failed", error=f"{type(exc).__name__}: {exc}")
            stop.wait(every_seconds)


def start_sweeper(
    creds: AppCredentials | None,
    engine: Engine,
    stop: threading.Event,
    *,
    every_seconds: float,
    lookback_hours: float,
) -> threading.Thread | None:
    if creds is None or every_seconds <= 0:
        return None
    sweeper = RedeliverySweeper(creds, engine, lookback_hours=lookback_hours)
    thread = threading.Thread(
        target=sweeper.run, args=(stop, every_seconds), name="redelivery", daemon=True
    )
    thread.start()
    return thread
