"""A fake Anthropic Messages API (``POST /v1/messages``) answering from a ``ScriptedModel``.

Usage fields follow the real API: ``input_tokens`` excludes cache reads and writes. The
prefix up to the ``cache_control`` block is "cached" once a response with it has been
sent, as the real cache is only available after the first response begins.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.models import ScriptedModel, read_body, send_json, tokens


def _text_of(body: dict[str, Any]) -> tuple[str, str]:
    """(cacheable prefix, whole prompt text) of a Messages request."""
    parts = [json.dumps(body.get("tools", []), sort_keys=True)]
    parts += [b.get("text", "") for b in body.get("system", [])]
    prefix = ""
    for message in body.get("messages", []):
        content = message["content"]
        blocks = content if isinstance(content, list) else [{"text": content}]
        for block in blocks:
            parts.append(block.get("text", ""))
            if "cache_control" in block:
                prefix = "\n".join(parts)
    return prefix, "\n".join(parts)


class FakeAnthropic:
    def __init__(self, model: ScriptedModel) -> None:
        self.model = model

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        body = json.loads(raw or b"{}")
        prefix, text = _text_of(body)
        call = self.model.record("anthropic", body, raw.decode(), prefix, text)
        step = self.model.next_step(call)
        await self.model.perform(step)
        headers: dict[str, str] = {"content-type": "application/json"}
        if step.kind == "error":
            status = step.status
            error: dict[str, Any] = {"type": step.error_type, "message": f"scripted {status}"}
            if step.error_code:
                error["details"] = {"error_code": step.error_code}
            payload: dict[str, Any] = {"type": "error", "error": error}
            if step.retry_after is not None:
                headers["retry-after"] = str(step.retry_after)
        else:
            status, payload = 200, self._message(body, step, prefix, text)
            self.model.warm(prefix)
        call.status = status
        await send_json(send, status, headers, payload)
        call.ended = time.monotonic()

    def _message(self, body: dict[str, Any], step: Any, prefix: str, text: str) -> dict[str, Any]:
        read = self.model.cached_tokens(prefix) if prefix else 0
        write = 0 if read or not prefix or tokens(prefix) < 1024 else tokens(prefix)
        total = tokens(text)
        tool = body["tool_choice"]["name"]
        if step.kind == "malformed":
            content = [{"type": "text", "text": ScriptedModel.arguments(step)}]
        else:
            data = step.answer if step.kind != "truncated" else {"abstain": False}
            content = [{"type": "tool_use", "id": "toolu_1", "name": tool, "input": data}]
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": content,
            "stop_reason": "max_tokens" if step.kind == "truncated" else "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": total - read - write,
                "output_tokens": step.output_tokens,
                "cache_read_input_tokens": read,
                "cache_creation_input_tokens": write,
            },
        }
