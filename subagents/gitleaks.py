"""gitleaks' rule set, loaded as data and applied with gitleaks' semantics.

gitleaks maintains some two hundred provider-specific secret formats with keywords,
entropy thresholds and allowlists tuned on real repositories; hand-writing our own list
would be weaker and would rot. We ship its ``config/gitleaks.toml`` unchanged (see
``subagents/data/README.md`` for the commit and ``LICENSE.gitleaks``) and implement the
documented behaviour ourselves:

- a rule runs only when one of its ``keywords`` occurs in the lower-cased text (the
  prefilter that keeps two hundred regexes cheap);
- the secret is ``secretGroup`` if set, else the first non-empty capture group, else the
  whole match; a rule with ``entropy`` drops secrets whose Shannon entropy is not above it;
- global and per-rule allowlists drop hits by regex (on the secret, the match or the
  line, per ``regexTarget``), by stopword (contained in the secret) and by path; a
  ``condition = "AND"`` allowlist needs all of its checks to hold;
- a rule with only a ``path`` flags the file itself (e.g. a committed ``.p12`` keystore).

Rules whose regex Python cannot express are skipped and counted in ``RuleSet.skipped``.

A pattern is compiled the first time it is needed (a rule when one of its keywords occurs,
an allowlist when its rule ran): most reviews touch a handful of the three hundred
patterns, and compiling them all took a tenth of every ``reviewer review``'s start.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from subagents.re2 import compile_re2


class LazyPattern:
    """An RE2 pattern compiled for Python on first use; ``get()`` is ``None`` when Python
    cannot express it. Two threads compiling it at once get the same answer."""

    __slots__ = ("_compiled", "_done", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: re.Pattern[str] | None = None
        self._done = False

    def get(self) -> re.Pattern[str] | None:
        if not self._done:
            self._compiled = compile_re2(self.source)
            self._done = True
        return self._compiled


def _compiled(patterns: tuple[LazyPattern, ...]) -> list[re.Pattern[str]]:
    """The patterns Python can express (the others never match)."""
    return [c for c in (p.get() for p in patterns) if c is not None]


DATA_FILE = "gitleaks.toml"
GENERIC_RULES = frozenset({"generic-api-key"})


def shannon_entropy(value: str) -> float:
    """Bits per character, as gitleaks computes it."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


@dataclass(frozen=True)
class Allowlist:
    """One gitleaks allowlist: hits it covers are not secrets."""

    regexes: tuple[LazyPattern, ...] = ()
    stopwords: tuple[str, ...] = ()
    paths: tuple[LazyPattern, ...] = ()
    target: str = "secret"  # or "match" / "line"
    all_of: bool = False  # condition = "AND"

    def allows_path(self, path: str | None) -> bool:
        """OR allowlists skip a whole file for the rule when its path matches."""
        return (
            not self.all_of
            and path is not None
            and any(p.search(path) for p in _compiled(self.paths))
        )

    def allows(self, secret: str, match: str, line: str, path: str | None) -> bool:
        target = {"match": match, "line": line}.get(self.target, secret)
        by_regex = any(r.search(target) for r in _compiled(self.regexes))
        lowered = secret.lower()
        by_word = any(w in lowered for w in self.stopwords)
        if not self.all_of:
            return by_regex or by_word
        checks = []
        if self.paths:
            checks.append(path is not None and any(p.search(path) for p in _compiled(self.paths)))
        if self.regexes:
            checks.append(by_regex)
        if self.stopwords:
            checks.append(by_word)
        return bool(checks) and all(checks)


@dataclass(frozen=True)
class Rule:
    """One gitleaks rule; its patterns compile on first use."""

    id: str
    description: str
    regex_source: LazyPattern | None
    keywords: tuple[str, ...] = ()
    entropy: float = 0.0
    secret_group: int = 0
    path_source: LazyPattern | None = None
    allowlists: tuple[Allowlist, ...] = ()

    @property
    def generic(self) -> bool:
        return self.id in GENERIC_RULES

    @property
    def skipped(self) -> bool:
        """Python cannot express its regex or its path: the rule never runs."""
        return any(p is not None and p.get() is None for p in (self.regex_source, self.path_source))

    @property
    def regex(self) -> re.Pattern[str] | None:
        return self.regex_source.get() if self.regex_source and not self.skipped else None

    @property
    def path(self) -> re.Pattern[str] | None:
        return self.path_source.get() if self.path_source and not self.skipped else None


@dataclass(frozen=True)
class RawHit:
    """A secret span in the scanned text and the rule that found it."""

    rule: Rule
    start: int
    end: int


@dataclass
class RuleSet:
    """The compiled rules, the global allowlist, and the ids of rules Python cannot run."""

    rules: list[Rule] = field(default_factory=list)
    allowlist: Allowlist = field(default_factory=Allowlist)
    _by_keyword: dict[str, list[int]] = field(default_factory=dict)
    _always: list[int] = field(default_factory=list)

    def index(self) -> None:
        """Map each keyword to its rules, so one pass over the keywords picks the rules."""
        for n, rule in enumerate(self.rules):
            if rule.regex_source is None:
                continue
            for keyword in rule.keywords:
                self._by_keyword.setdefault(keyword, []).append(n)
            if not rule.keywords:
                self._always.append(n)

    def candidates(self, lowered: str) -> list[Rule]:
        """Regex rules whose keywords occur in ``lowered`` (the keyword prefilter)."""
        chosen = set(self._always)
        for keyword, numbers in self._by_keyword.items():
            if keyword in lowered:
                chosen.update(numbers)
        return [self.rules[n] for n in sorted(chosen)]

    @property
    def skipped(self) -> list[str]:
        """Ids of the rules Python cannot express (compiles every rule to find out)."""
        return [rule.id for rule in self.rules if rule.skipped]


def _patterns(values: list[str]) -> tuple[LazyPattern, ...]:
    return tuple(LazyPattern(v) for v in values)


def _allowlist(raw: dict[str, object]) -> Allowlist:
    def strings(key: str) -> list[str]:
        value = raw.get(key) or []
        return [str(v) for v in value] if isinstance(value, list) else []

    return Allowlist(
        regexes=_patterns(strings("regexes")),
        stopwords=tuple(w.lower() for w in strings("stopwords")),
        paths=_patterns(strings("paths")),
        target=str(raw.get("regexTarget") or "secret"),
        all_of=str(raw.get("condition") or "OR").upper() == "AND",
    )


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    """Parse the shipped rule file once per process (patterns compile on first use)."""
    text = resources.files("subagents").joinpath("data", DATA_FILE).read_text("utf-8")
    data = tomllib.loads(text)
    ruleset = RuleSet(allowlist=_allowlist(data.get("allowlist", {})))
    for raw in data.get("rules", []):
        ruleset.rules.append(
            Rule(
                id=raw["id"],
                description=raw.get("description", raw["id"]),
                regex_source=LazyPattern(raw["regex"]) if "regex" in raw else None,
                keywords=tuple(k.lower() for k in raw.get("keywords", [])),
                entropy=float(raw.get("entropy", 0.0)),
                secret_group=int(raw.get("secretGroup", 0)),
                path_source=LazyPattern(raw["path"]) if "path" in raw else None,
                allowlists=tuple(_allowlist(a) for a in raw.get("allowlists", [])),
            )
        )
    ruleset.index()
    return ruleset


def _secret_span(m: re.Match[str], group: int) -> tuple[int, int]:
    if group and group <= (m.re.groups or 0) and m.group(group):
        return m.span(group)
    for index in range(1, (m.re.groups or 0) + 1):
        if m.group(index):
            return m.span(index)
    return m.span(0)


def _line_of(text: str, start: int, end: int) -> str:
    return text[text.rfind("\n", 0, start) + 1 : (text.find("\n", end) + 1 or len(text) + 1) - 1]


def scan(text: str, path: str | None = None) -> list[RawHit]:
    """Every gitleaks hit in ``text`` (a line or a whole file) that no allowlist covers."""
    ruleset = load_rules()
    if ruleset.allowlist.allows_path(path):
        return []
    hits: list[RawHit] = []
    for rule in ruleset.candidates(text.lower()):
        regex = rule.regex
        if regex is None:
            continue
        if rule.path_source is not None and (path is None or not _on_path(rule, path)):
            continue
        if any(a.allows_path(path) for a in rule.allowlists):
            continue
        for m in regex.finditer(text):
            start, end = _secret_span(m, rule.secret_group)
            secret, match = text[start:end], m.group(0).strip("\n")
            if rule.entropy and shannon_entropy(secret) <= rule.entropy:
                continue
            line = _line_of(text, m.start(), m.end())
            lists = (ruleset.allowlist, *rule.allowlists)
            if not any(a.allows(secret, match, line, path) for a in lists):
                hits.append(RawHit(rule, start, end))
    return hits


def _on_path(rule: Rule, path: str) -> bool:
    pattern = rule.path
    return pattern is not None and pattern.search(path) is not None


def path_rules(path: str) -> list[Rule]:
    """Rules that flag a file by its path alone (keystores and the like)."""
    return [r for r in load_rules().rules if r.regex_source is None and _on_path(r, path)]
