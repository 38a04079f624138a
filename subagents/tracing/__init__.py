"""Execution-path tracing: which code calls the changed symbols, and what they call.

``trace_for_context`` and ``render_trace`` are the API the model layer uses; the
``reviewer trace`` CLI and the ``TracingAgent`` sit on the same functions.
"""

from subagents.tracing.agent import TracingAgent
from subagents.tracing.hunks import changed_symbols
from subagents.tracing.model import ChangedSymbol, Edge, Skip, Trace
from subagents.tracing.query import trace_change, trace_for_context, trace_symbol
from subagents.tracing.render import render_trace

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
