"""Execution-path tracing: which code calls the changed symbols, and what they call."""

from subagents.tracing.agent import TracingAgent, changed_symbols

__all__ = ["TracingAgent", "changed_symbols"]
