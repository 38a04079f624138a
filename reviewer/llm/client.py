"""``ModelRouter`` (long-lived: providers, breakers, prices) and ``ModelClient`` (one per
review: its budget, its shared prefix, its warm cache).

``ModelClient.structured`` is all a sub-agent sees of a model: a prompt and a pydantic
output model in, a validated instance and the tokens and dollars it took out. Invalid
output (unparsable, schema-violating, or cut off at the output limit) gets exactly one
repair attempt; then the call fails and the sub-agent reports ``failed``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from reviewer.llm.budget import Budget, BudgetExhausted
from reviewer.llm.port import Completion, LLMProvider, Prompt, TokenUsage
from reviewer.llm.pricing import ModelInfo, cost_usd, worst_case_cost
from reviewer.llm.resilience import Breakers, ModelUnavailable, RetryPolicy, complete_with_failover
from reviewer.llm.slots import model_slot

T = TypeVar("T", bound=BaseModel)
MIN_CACHEABLE_TOKENS = 1024  # Anthropic ignores cache_control on shorter prefixes


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with ``$defs`` inlined: some compatible servers' grammar
    compilers do not follow ``$ref``."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    result: dict[str, Any] = inline(schema)
    return result


@dataclass
class Spend:
    """Tokens and dollars one model part used, over all its calls (repairs included)."""

    usage: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: Decimal = Decimal("0")
    calls: int = 0
    model: str | None = None


@dataclass
class StructuredResult(Generic[T]):
    value: T
    spend: Spend


class ModelCallFailed(Exception):
    """The model part could not produce a valid answer. ``kind`` decides the report:
    ``budget`` -> skipped, ``unavailable`` and ``invalid`` -> failed."""

    def __init__(
        self, kind: Literal["budget", "unavailable", "invalid"], message: str, spend: Spend
    ) -> None:
        super().__init__(message)
        self.kind, self.message, self.spend = kind, message, spend


class ModelRouter:
    """The configured failover chain with its prices; one per process."""

    def __init__(
        self,
        providers: Sequence[LLMProvider],
        infos: dict[str, ModelInfo],
        *,
        max_cost_usd: Decimal,
        max_tokens: int,
        max_output_tokens: int = 2048,
        policy: RetryPolicy | None = None,
        breakers: Breakers | None = None,
        cache_warmup: bool = True,
    ) -> None:
        if not providers:
            raise ValueError("a ModelRouter needs at least one provider")
        self.providers = list(providers)
        self.infos = infos
        self.max_cost_usd, self.max_tokens = max_cost_usd, max_tokens
        self.policy = policy or RetryPolicy()
        self.breakers = breakers or Breakers()
        self.cache_warmup = cache_warmup
        self.max_output_tokens = min(
            [max_output_tokens, *(infos[p.name].max_output_tokens for p in self.providers)]
        )

    @property
    def name(self) -> str:
        return ",".join(p.name for p in self.providers)

    @property
    def context_window(self) -> int:
        """The smallest window in the chain: a failover must not overflow the next model."""
        return min(self.infos[p.name].context_window for p in self.providers)

    def price(self, name: str) -> ModelInfo:
        return self.infos[name]

    def session(self) -> ModelClient:
        return ModelClient(self, Budget(self.max_cost_usd, self.max_tokens))

    async def aclose(self) -> None:
        for provider in self.providers:
            await provider.aclose()


class ModelClient:
    """One review's view of the models: a fresh budget and a memo for shared work."""

    def __init__(self, router: ModelRouter, budget: Budget) -> None:
        self.router = router
        self.budget = budget
        self._memo: dict[str, asyncio.Task[Any]] = {}
        self._warm: dict[str, asyncio.Event] = {}

    @property
    def name(self) -> str:
        return self.router.name

    async def memo(self, key: str, factory: Callable[[], Awaitable[Any]]) -> Any:
        """Compute ``factory()`` once per review, however many sub-agents ask at once."""
        if key not in self._memo:
            self._memo[key] = asyncio.ensure_future(factory())
        return await asyncio.shield(self._memo[key])

    async def structured(self, prompt: Prompt, schema: type[T]) -> StructuredResult[T]:
        spend = Spend()
        current = prompt
        problems: list[str] = []
        for attempt in range(2):
            try:
                completion = await self._call(current, spend)
            except BudgetExhausted as exc:
                raise ModelCallFailed("budget", str(exc), spend) from None
            except ModelUnavailable as exc:
                raise ModelCallFailed("unavailable", str(exc), spend) from None
            value, problems = parse(completion, schema)
            if value is not None:
                return StructuredResult(value, spend)
            if attempt == 0:
                current = replace(prompt, instruction=prompt.instruction + repair_note(problems))
        message = "invalid model output after one repair attempt: " + "; ".join(problems)
        raise ModelCallFailed("invalid", message[:1000], spend)

    async def _call(self, prompt: Prompt, spend: Spend) -> Completion:
        router = self.router
        estimate_in = prompt.estimated_input_tokens()
        reserve = max(
            worst_case_cost(estimate_in, prompt.max_output_tokens, router.price(p.name))
            for p in router.providers
        )
        ticket = self.budget.reserve(reserve, estimate_in + prompt.max_output_tokens)
        billed = False
        try:
            async with self._warm_cache(prompt), model_slot():
                completion = await complete_with_failover(
                    router.providers, prompt, router.policy, router.breakers
                )
            usage = completion.usage
            if usage.input_tokens == 0:  # a server that reports no usage: assume the estimate
                usage = TokenUsage(estimate_in, estimate_in // 10)
            name = f"{completion.provider}:{completion.model}"
            cost = cost_usd(usage, router.price(name))
            self.budget.settle(ticket, cost, usage.input_tokens + usage.output_tokens)
            billed = True
            spend.usage += usage
            spend.cost_usd += cost
            spend.calls += 1
            spend.model = name
            record_usage(completion.provider, completion.model, usage, cost)
            return completion
        finally:
            if not billed:
                self.budget.release(ticket)

    def _warm_cache(self, prompt: Prompt) -> _WarmGate:
        """Let the first call with a new prefix go alone when concurrent cold calls would
        each pay the cache-write premium (Anthropic), so the rest read it instead."""
        first = self.router.providers[0]
        wanted = (
            self.router.cache_warmup
            and first.cache_write_premium
            and (len(prompt.system) + len(prompt.context)) / 3.5 >= MIN_CACHEABLE_TOKENS
        )
        if not wanted:
            return _WarmGate(None, leader=False)
        key = prefix_key(prompt)
        if key in self._warm:
            return _WarmGate(self._warm[key], leader=False)
        self._warm[key] = asyncio.Event()
        return _WarmGate(self._warm[key], leader=True)


class _WarmGate:
    def __init__(self, event: asyncio.Event | None, *, leader: bool) -> None:
        self.event, self.leader = event, leader

    async def __aenter__(self) -> None:
        if self.event is not None and not self.leader:
            await self.event.wait()

    async def __aexit__(self, *exc: object) -> None:
        if self.event is not None and self.leader:
            self.event.set()


def prefix_key(prompt: Prompt) -> str:
    raw = json.dumps([prompt.system, prompt.context, prompt.tool_name, prompt.schema])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def parse(completion: Completion, schema: type[T]) -> tuple[T | None, list[str]]:
    """The validated answer, or the problems to send back in the repair attempt."""
    if completion.truncated:
        return None, [
            f"the answer was cut off at the output limit ({completion.stop_reason}); "
            "answer again more briefly (fewer, shorter findings)"
        ]
    try:
        data = json.loads(completion.arguments)
    except json.JSONDecodeError as exc:
        return None, [f"the tool arguments are not valid JSON ({exc.msg} at {exc.pos})"]
    try:
        return schema.model_validate(data), []
    except ValidationError as exc:
        return None, [
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()[:10]
        ]


def repair_note(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        "\n\n<repair>\nYour previous answer could not be used:\n"
        f"{listed}\nCall the tool again with an answer that fits its schema exactly.\n</repair>"
    )


def record_usage(provider: str, model: str, usage: TokenUsage, cost: Decimal) -> None:
    """Prometheus token and dollar counters for one settled call."""
    from reviewer import metrics

    for kind, tokens in (
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cached", usage.cached_tokens),
    ):
        metrics.MODEL_TOKENS.labels(provider=provider, model=model, kind=kind).inc(tokens)
    metrics.MODEL_COST.labels(provider=provider, model=model, kind="total").inc(float(cost))
