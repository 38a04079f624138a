"""Execution-path tracing: which code calls the changed symbols, and what they call.

``trace_for_context`` and ``render_trace`` are the API the model layer uses; the
``reviewer trace`` CLI and the ``TracingAgent`` sit on the same functions.

Exports load on first use: a worker process that only parses imports
``subagents.tracing.facts``, and must not pay for the agent and model layers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from subagents.tracing.agent import TracingAgent
    from subagents.tracing.hunks import changed_symbols
    from subagents.tracing.model import ChangedSymbol, Edge, Skip, Trace
    from subagents.tracing.query import trace_change, trace_for_context, trace_symbol
    from subagents.tracing.render import render_trace

_WHERE = {
    "TracingAgent": "agent",
    "changed_symbols": "hunks",
    "ChangedSymbol": "model",
    "Edge": "model",
    "Skip": "model",
    "Trace": "model",
    "trace_change": "query",
    "trace_for_context": "query",
    "trace_symbol": "query",
    "render_trace": "render",
}

__all__ = [
    "ChangedSymbol",
    "Edge",
    "Skip",
    "Trace",
    "TracingAgent",
    "changed_symbols",
    "render_trace",
    "trace_change",
    "trace_for_context",
    "trace_symbol",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
