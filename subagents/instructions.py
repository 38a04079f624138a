"""Each specialist's question to the model: the only part of its prompt that is its own.

Everything before it (rules, guidance, PR, diff, trace) is the shared prefix; the tool
and its schema are shared too, because both providers cache from the tool definitions
onwards and a per-specialist schema would break the cache (docs/decisions.md).
"""

from __future__ import annotations

INSTRUCTIONS: dict[str, str] = {
    "description": """\
Your question: does the description let a reviewer understand this change without
reading the code first? Judge what changes, why, how it was tested, linked issue or
ticket, and missing context a reviewer needs (breaking changes, migrations or rollout
steps, config or permission changes, screenshots for UI). Findings here usually have no
path. Do not review the code itself.""",
    "intent": """\
Your question: does the diff do what the title, description and commit messages say, and
nothing else? Report changes the text does not explain (drive-by edits, debugging
leftovers, unrelated refactors), claims the diff does not implement, and behaviour
changes hidden in a change described as a refactor, rename or docs change.""",
    "safety": """\
Your question: does this change add a security or operational risk? Consider secrets,
authentication and authorisation, injection (SQL, shell, templates, paths), unsafe
deserialisation, SSRF, crypto misuse, permission and CI/workflow changes, dependency
changes, destructive or non-reversible migrations. For each spot the deterministic scan
flagged (listed below), say whether it is a real risk and why; report risks it missed.""",
    "logic": """\
Your question: is the change correct? Look for edge cases (empty, None/null, zero,
negative, boundaries, unicode, large inputs), error paths and cleanup, concurrency and
ordering, off-by-one errors, wrong conditions, and contradictions with the code it calls
or that calls it (see the traced call paths). Report only what you can point to in the
diff.""",
    "antipatterns": """\
Your question: does the change follow the team's guidance in the <guidance> block? Check
the changed code against every rule in force, including rules without a pattern. Every
finding must cite the rule's id in rule_ids; do not invent rules. The pattern checks
already found the hits listed below.""",
    "tracing": """\
Your question: do the execution paths through the changed code still hold? For each
traced caller of a changed symbol, check that it still works with the new behaviour
(signature, return values, raised errors, side effects, ordering); for each callee,
that the changed code still uses it correctly. Put the call path in the finding's body.
If no trace is available and the diff does not show the callers, abstain.""",
}


def instruction_for(name: str) -> str:
    return INSTRUCTIONS.get(name, "Your question: review this change from your specialty.")
