"""Gates against a fooled model: hidden text, reviewer-directed text, steering files.

A prompt injection that works looks, from our side, like a model that found nothing. So
these gates never read a report: they scan the context themselves, and a hit sends the
PR to a human whatever every sub-agent said. The safety specialist publishes the same
hits as findings (with code points, positions and quotes); the gate is the decision.
"""

from __future__ import annotations

from reviewer.context import ReviewContext
from reviewer.globs import matches_any
from subagents import hidden, injection
from subagents.base import Finding

# Files that instruct coding agents (and so, possibly, the reviewer's model): editing one
# changes what an agent does in this repository, like editing our own policy does.
AGENT_INSTRUCTION_FILES: tuple[str, ...] = (
    "AGENTS.md", "AGENT.md", "CLAUDE.md", "CLAUDE.local.md", "GEMINI.md", ".claude/**",
    ".cursorrules", ".cursor/rules/**", ".windsurfrules", ".windsurf/rules/**",
    ".clinerules", ".clinerules/**", ".roorules", ".roo/rules/**", ".continue/rules/**",
    ".github/copilot-instructions.md", ".github/instructions/**", ".github/prompts/**",
    ".github/chatmodes/**", ".junie/guidelines.md", ".amazonq/rules/**", ".kiro/steering/**",
    ".aider.conf.yml", ".gemini/**",
)  # fmt: skip

# Findings whose rule has a gate of its own: the gate is their one signal.
GATED_RULE_PREFIXES = (hidden.GATE, injection.PREFIX)
SHOWN = 5


def agent_instruction_files(paths: list[str]) -> list[str]:
    return sorted({p for p in paths if matches_any(p, AGENT_INSTRUCTION_FILES)})


def gated(finding: Finding) -> bool:
    return any(r.startswith(GATED_RULE_PREFIXES) for r in finding.rule_ids)


def _more(total: int) -> str:
    return f" and {total - SHOWN} more" if total > SHOWN else ""


def hidden_text_reason(ctx: ReviewContext) -> str | None:
    """Why the PR holds hidden or look-alike text (gate ``unicode.hidden``), or None."""
    hits = hidden.scan_hidden(ctx)
    if not hits:
        return None
    listed = "; ".join(f"{h.detail} at {h.where}" for h in hits[:SHOWN])
    return f"hidden or look-alike text: {listed}{_more(len(hits))}"


def injection_reason(ctx: ReviewContext) -> str | None:
    """Why the PR's text looks aimed at the reviewer (gate ``injection.suspected``), or None."""
    hits = injection.scan_injection(ctx)
    if not hits:
        return None
    first = hits[0]
    places = len(dict.fromkeys(h.where for h in hits))
    return (
        f"text that addresses or steers an automated reviewer in {first.where}: "
        f"{first.quote!r} (rule {first.rule.id}; {places} place(s) in all)"
    )
