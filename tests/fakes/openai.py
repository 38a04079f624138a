"""A fake OpenAI Chat Completions API (``POST /v1/chat/completions``) from a ``ScriptedModel``.

Like OpenAI's automatic prompt caching, a prompt whose leading part (tools, system and
the first 1024+ tokens) was sent before reports that prefix as ``cached_tokens``. Like
llama.cpp's server, a ``response_format`` JSON schema is answered with HTTP 500.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes.models import TASK, ScriptedModel, read_body, send_json, tokens


def _text_of(body: dict[str, Any]) -> tuple[str, str]:
    """(cacheable prefix: everything before the specialist's task, whole prompt text)."""
    parts = [json.dumps(body.get("tools", []), sort_keys=True)]
    parts += [str(m.get("content") or "") for m in body.get("messages", [])]
    text = "\n".join(parts)
    match = TASK.search(text)
    return (text[: match.start()] if match else ""), text


class FakeOpenAI:
    def __init__(self, model: ScriptedModel) -> None:
        self.model = model

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = await read_body(receive)
        body = json.loads(raw or b"{}")
        prefix, text = _text_of(body)
        call = self.model.record("openai", body, raw.decode(), prefix, text)
        headers: dict[str, str] = {"content-type": "application/json"}
        if "response_format" in body and body["response_format"].get("type") == "json_schema":
            status, payload = 500, {"error": {"message": "json_schema not supported"}}
        else:
            step = self.model.next_step(call)
            await self.model.perform(step)
            if step.kind == "error":
                status = step.status
                payload = {"error": {"message": f"scripted {status}", "type": step.error_type,
                                     "code": step.error_code}}  # fmt: skip
                if step.retry_after is not None:
                    headers["retry-after"] = str(step.retry_after)
            else:
                status, payload = 200, self._completion(body, step, prefix, text)
                self.model.warm(prefix)
        call.status = status
        await send_json(send, status, headers, payload)
        call.ended = time.monotonic()

    def _completion(self, body: dict[str, Any], step: Any, prefix: str, text: str) -> dict:
        cached = self.model.cached_tokens(prefix) if prefix else 0
        cached -= cached % 128
        name = body["tool_choice"]["function"]["name"]
        call = {"id": "call_1", "type": "function",
                "function": {"name": name, "arguments": ScriptedModel.arguments(step)}}  # fmt: skip
        prompt = tokens(text)
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                    "finish_reason": "length" if step.kind == "truncated" else "tool_calls",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": step.output_tokens,
                "total_tokens": prompt + step.output_tokens,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
