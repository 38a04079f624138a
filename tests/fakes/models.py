"""One scripted model behind both fake provider APIs (``anthropic.py``, ``openai.py``).

A test says what the model does per call: answer with a tool input, fail with an HTTP
status (with ``retry-after``), stall past the client's timeout, or answer with malformed
JSON, schema-violating or truncated output. Every request is recorded with its start and
end time, so tests can prove the panel's calls overlapped, and with its raw body, so
tests can prove what the model saw (no secret, injection inside the data block).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

CLEAN: dict[str, Any] = {"abstain": False, "summary": "Looks fine.", "findings": []}
TASK = re.compile(r'<your_task specialist="(\w+)">')


@dataclass
class Step:
    """One scripted behaviour; build with the helpers below."""

    kind: Literal["answer", "error", "stall", "malformed", "truncated"] = "answer"
    answer: dict[str, Any] = field(default_factory=lambda: dict(CLEAN))
    status: int = 200
    error_type: str = "api_error"
    error_code: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    output_tokens: int = 60


def answer(data: dict[str, Any] | None = None, delay: float = 0.0) -> Step:
    return Step(answer=dict(data or CLEAN), delay=delay)


def error(status: int, kind: str = "api_error", *, code: str | None = None,
          retry_after: float | None = None) -> Step:  # fmt: skip
    return Step(kind="error", status=status, error_type=kind, error_code=code,
                retry_after=retry_after)  # fmt: skip


def stall(seconds: float = 3.0) -> Step:
    return Step(kind="stall", delay=seconds)


def malformed() -> Step:
    return Step(kind="malformed")


def truncated() -> Step:
    return Step(kind="truncated")


def finding(severity: str = "minor", **extra: Any) -> dict[str, Any]:
    base = {"path": None, "start_line": None, "end_line": None, "severity": severity,
            "title": f"A {severity} thing", "body": "Details.", "rule_ids": [],
            "confidence": 0.9}  # fmt: skip
    return {**base, **extra}


@dataclass
class Call:
    """One request the fake received."""

    provider: str
    body: dict[str, Any]
    raw: str
    started: float
    ended: float = 0.0
    status: int = 0
    prefix: str = ""  # the cacheable part, in the provider's order (tools, system, ...)
    specialist: str | None = None
    text: str = ""  # the whole prompt in that order


class ScriptedModel:
    """Answers from ``queue`` first (in arrival order), then from ``respond(call)``."""

    def __init__(self, respond: Callable[[Call], Step] | Step | None = None) -> None:
        self.queue: deque[Step] = deque()
        self._respond = respond
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._warm: set[str] = set()  # prefixes a later call may read from the cache

    def script(self, *steps: Step) -> ScriptedModel:
        self.queue.extend(steps)
        return self

    def next_step(self, call: Call) -> Step:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if callable(self._respond):
            return self._respond(call)
        return self._respond or answer()

    def record(self, provider: str, body: dict[str, Any], raw: str, prefix: str,
               text: str) -> Call:  # fmt: skip
        match = TASK.search(text)
        call = Call(provider, body, raw, time.monotonic(), prefix=prefix,
                    specialist=match.group(1) if match else None, text=text)  # fmt: skip
        with self._lock:
            self.calls.append(call)
        return call

    def cached_tokens(self, prefix: str) -> int:
        """Tokens of ``prefix`` a provider would read from cache (seen before, long enough)."""
        with self._lock:
            return tokens(prefix) if prefix in self._warm and tokens(prefix) >= 1024 else 0

    def warm(self, prefix: str) -> None:
        with self._lock:
            self._warm.add(prefix)

    async def perform(self, step: Step) -> None:
        if step.delay:
            await asyncio.sleep(step.delay)

    @staticmethod
    def arguments(step: Step) -> str:
        if step.kind == "malformed":
            return '{"abstain": false, "summary": "cut'
        if step.kind == "truncated":
            return json.dumps(step.answer)[:25]
        return json.dumps(step.answer)

    def overlapping(self) -> bool:
        """True when every recorded call was in flight at one common moment."""
        done = [c for c in self.calls if c.ended]
        return bool(done) and max(c.started for c in done) < min(c.ended for c in done)


def tokens(text: str) -> int:
    return max(1, len(text) // 4)


class Tripwire:
    """Stands in for the real provider hosts in tests: records and refuses every call."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.origin = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.hits.append(f"{scope['method']} {scope['path']}")
        data = b'{"error": {"type": "invalid_request_error", "message": "real provider call"}}'
        await send({"type": "http.response.start", "status": 400,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": data})


@dataclass
class FakeModels:
    """Both fake providers of one test, and settings that point the reviewer at them."""

    anthropic: ScriptedModel
    openai: ScriptedModel
    anthropic_url: str
    openai_url: str

    def settings(self, models: str = "anthropic:claude-haiku-4-5", **overrides: Any) -> Any:
        from reviewer.settings import Settings

        values: dict[str, Any] = {
            "models": models,
            "anthropic_api_key": "test-anthropic-key",
            "anthropic_base_url": self.anthropic_url,
            "openai_api_key": "test-openai-key",
            "openai_base_url": self.openai_url,
            "model_backoff_base_seconds": 0.01,
            "model_timeout_seconds": 2.0,
            "database_url": "sqlite://",
        }
        return Settings(**{**values, **overrides})

    def env(self, models: str = "anthropic:claude-haiku-4-5") -> dict[str, str]:
        """The same as environment variables, for a ``reviewer`` subprocess."""
        return {
            "REVIEWER_MODELS": models,
            "REVIEWER_ANTHROPIC_API_KEY": "test-anthropic-key",
            "REVIEWER_ANTHROPIC_BASE_URL": self.anthropic_url,
            "REVIEWER_OPENAI_API_KEY": "test-openai-key",
            "REVIEWER_OPENAI_BASE_URL": self.openai_url,
            "REVIEWER_MODEL_BACKOFF_BASE_SECONDS": "0.01",
        }


async def read_body(receive: Any) -> bytes:
    """The whole request body of an ASGI HTTP request."""
    raw = b""
    while True:
        event = await receive()
        raw += event.get("body", b"")
        if not event.get("more_body"):
            return raw


async def send_json(send: Any, status: int, headers: dict[str, str], payload: Any) -> None:
    """One JSON response; ``headers`` gets the length."""
    data = json.dumps(payload).encode()
    headers = {**headers, "content-length": str(len(data))}
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})  # fmt: skip
    await send({"type": "http.response.body", "body": data})
