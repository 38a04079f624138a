"""Panel overhead, tokens per review, prefix sharing and cost with and without caching.

Runs the whole panel (``reviewer.pipeline.review``) on a fixed set of synthetic PRs
against the fake Anthropic and OpenAI servers on loopback, through the real SDKs. The
fake answers instantly, so the measured time is our overhead: prompt building, the SDK,
HTTP and validation, over the deterministic-only panel. Token counts are the fake's
(4 characters per token); the share of identical prefix is computed from the request
bodies the fake received, i.e. what a provider could cache.

    python -m benchmarks.panel [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from decimal import Decimal
from typing import Any

from reviewer.context import Author, ChangedFile, CommitInfo, ReviewContext
from reviewer.guidance.rules import load_default_guidance
from reviewer.llm import configured_model, model_info
from reviewer.pipeline import review
from reviewer.policy import Policy
from tests.fakes import running
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.github_state import make_patch
from tests.fakes.models import FakeModels, ScriptedModel, answer, tokens
from tests.fakes.openai import FakeOpenAI

BODY = "Fixes #1 because it crashed. Tested with pytest."


def _file(path: str, lines: int, seed: int) -> ChangedFile:
    old = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(lines // 2))
    new = "".join(f"def f{i}(x):\n    return x + {i + seed * (i % 3 == 0)}\n"
                  for i in range(lines // 2))  # fmt: skip
    patch, adds, dels = make_patch(old, new)
    return ChangedFile(path=path, status="modified", additions=adds, deletions=dels, patch=patch)


def cases() -> dict[str, tuple[ChangedFile, ...]]:
    return {
        "small (1 file, ~10 changed lines)": (_file("app/cart.py", 30, 1),),
        "medium (4 files, ~130 changed lines)": tuple(
            _file(f"app/m{i}.py", 100, i + 1) for i in range(4)
        ),
        "large (12 files, ~800 changed lines)": tuple(
            _file(f"app/l{i}.py", 200, i + 1) for i in range(12)
        ),
    }


def ctx_for(files: tuple[ChangedFile, ...]) -> ReviewContext:
    return ReviewContext(
        source="github", repo="acme/app", pr=1, title="Adjust the offsets", body=BODY,
        author=Author(login="alice", association="MEMBER"), base_ref="main",
        default_branch="main", base_sha="a" * 40, head_sha="b" * 40, files=files,
        policy=Policy(auto_approve=True),
        commits=(CommitInfo(sha="c" * 40, message="Adjust the offsets"),),
        guidance=load_default_guidance(),
    )  # fmt: skip


def common_prefix(texts: list[str]) -> int:
    """Characters every text starts with (character by character is what we want)."""
    return len(os.path.commonprefix(texts))  # noqa: RUF071


def costs(calls: list[Any], name: str) -> dict[str, Decimal]:
    """Dollars per review at published prices: no caching, and caching as each provider
    does it (Anthropic: one write at 1.25x then reads at 0.1x; OpenAI: reads at its
    cached price, no write premium). Uses the fake's token counts."""
    info = model_info(name)
    per_m = Decimal(1_000_000)
    total_in = sum(tokens(c.text) for c in calls)
    out = sum(60 for _ in calls)
    prefix = tokens(calls[0].prefix)
    plain = (total_in * info.input + out * info.output) / per_m
    cached_rate = info.cached_input if info.cached_input is not None else info.input
    write_rate = info.cache_write if info.cache_write is not None else info.input
    reads = prefix * (len(calls) - 1)
    cached = (
        (total_in - prefix - reads) * info.input
        + prefix * write_rate
        + reads * cached_rate
        + out * info.output
    ) / per_m
    cold = (  # six concurrent cold calls on Anthropic: every one writes the cache
        (total_in - prefix * len(calls)) * info.input
        + prefix * len(calls) * write_rate
        + out * info.output
    ) / per_m
    return {"plain": plain, "cached": cached, "cold": cold}


ANTHROPIC = "anthropic:claude-haiku-4-5"
OPENAI = "openai:gpt-5-mini"


async def one(fakes: FakeModels, models: str, ctx: ReviewContext) -> tuple[float, list[Any], str]:
    scripted = fakes.anthropic if models.startswith("anthropic") else fakes.openai
    scripted.calls.clear()
    scripted._warm.clear()
    router = configured_model(fakes.settings(models))
    assert router is not None
    started = time.perf_counter()
    try:
        result = await review(ctx, model=router)
    finally:
        await router.aclose()
    seen = f"{result.coverage.reviewed}/{result.coverage.changed}"
    return time.perf_counter() - started, list(scripted.calls), seen


async def main(repeat: int) -> None:
    fakes = FakeModels(ScriptedModel(answer()), ScriptedModel(answer()), "", "")
    with (
        running(FakeAnthropic(fakes.anthropic)) as a_url,
        running(FakeOpenAI(fakes.openai)) as o_url,
    ):
        fakes.anthropic_url, fakes.openai_url = a_url, o_url + "/v1"
        print("| PR | no model ms | with model ms (overhead) | input tok/review | identical "
              "prefix | files seen fully | no cache | Anthropic cached | Anthropic 6 cold | "
              "OpenAI no cache | OpenAI cached |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, files in cases().items():
            ctx = ctx_for(files)
            base = []
            for _ in range(repeat):
                started = time.perf_counter()
                await review(ctx)
                base.append(time.perf_counter() - started)
            timed, calls = [], []
            for _ in range(repeat):
                seconds, calls, o_seen = await one(fakes, OPENAI, ctx)
                timed.append(seconds)
            _, a_calls, a_seen = await one(fakes, ANTHROPIC, ctx)
            total = sum(tokens(c.text) for c in a_calls)
            shared = tokens(a_calls[0].text[: common_prefix([c.text for c in a_calls])])
            share = shared * len(a_calls) / total
            a = costs(sorted(a_calls, key=lambda c: c.started), ANTHROPIC)
            o = costs(calls, OPENAI)
            b, m = statistics.median(base) * 1000, statistics.median(timed) * 1000
            print(f"| {label} | {b:.0f} | {m:.0f} (+{m - b:.0f}) | {total} | {share:.1%} | "
                  f"{a_seen} / {o_seen} | ${a['plain']:.4f} | ${a['cached']:.4f} | "
                  f"${a['cold']:.4f} | ${o['plain']:.4f} | ${o['cached']:.4f} |")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))
