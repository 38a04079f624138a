"""detect-secrets' detectors, run in-process on single lines, offline.

detect-secrets (Yelp) ships well-tested detectors for common providers and a keyword
detector for ``password = "..."``-style assignments, plus heuristic filters that drop
UUIDs, templated values, sequential strings and indirect references. We call the plugin
classes and filters directly instead of going through its scanning entry points, which
read and mutate process-global settings (unsafe with concurrent reviews) and can call
providers to verify keys (never wanted here: the verification filter is not enabled).

Which plugins run, and why some do not:

- the two high-entropy string detectors are off: they fire on every hash, checksum and
  lockfile integrity value; gitleaks' keyword-anchored ``generic-api-key`` covers that
  ground with far fewer false alarms;
- the public-IP detector is off: an address is not a credential;
- the private-key detector matches the bare words ``BEGIN ... PRIVATE KEY``; the caller
  requires PEM armour (``-----BEGIN``) so prose about keys does not block a review.

Inline ``pragma: allowlist secret`` comments are deliberately not honoured: the person
who would add one is the author of the change under review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.filters import heuristic
from detect_secrets.plugins.base import BasePlugin

DISABLED = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"})
GENERIC_PLUGINS = frozenset({"KeywordDetector"})
ADHOC_FILENAME = "adhoc.txt"


@dataclass(frozen=True)
class PluginHit:
    """A secret value a plugin reported on one line, with where it sits in the line."""

    plugin: str
    secret_type: str
    start: int
    end: int

    @property
    def generic(self) -> bool:
        return self.plugin in GENERIC_PLUGINS

    @property
    def rule_id(self) -> str:
        """``ds-`` and the plugin's name in kebab case: ``AWSKeyDetector`` -> ``ds-aws-key``."""
        name = self.plugin.removesuffix("Detector")
        return "ds-" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name).lower()

    @property
    def title(self) -> str:
        return "hard-coded password or key" if self.generic else self.secret_type


@lru_cache(maxsize=1)
def plugins() -> tuple[BasePlugin, ...]:
    """One instance of every enabled detect-secrets plugin, in a stable order."""
    classes: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    return tuple(
        cls() for cls in sorted(classes, key=lambda c: c.__name__) if cls.__name__ not in DISABLED
    )


def looks_like_a_non_secret(secret: str) -> bool:
    """detect-secrets' value heuristics: sequences, UUIDs, templates, ``$VARS``, no letters.

    Also used on gitleaks' keyword-style hits, which have no such filters of their own.
    """
    return (
        heuristic.is_sequential_string(secret)
        or heuristic.is_potential_uuid(secret)
        or heuristic.is_templated_secret(secret)
        or heuristic.is_prefixed_with_dollar_sign(secret)
        or heuristic.is_not_alphanumeric_string(secret)
    )


def _filtered(secret: str, line: str, plugin: BasePlugin) -> bool:
    """detect-secrets' own heuristic filters, as its scanner would apply them."""
    if looks_like_a_non_secret(secret) or heuristic.is_likely_id_string(secret, line, plugin):
        return True
    # an indirect reference (``key = request.headers["x"]``) only matters for keyword hits;
    # for provider formats it would hide keys passed straight into a call
    return type(plugin).__name__ in GENERIC_PLUGINS and heuristic.is_indirect_reference(line)


def scan_line(line: str, path: str | None = None) -> list[PluginHit]:
    """Every detect-secrets hit on one line of text (no newlines)."""
    filename = path or ADHOC_FILENAME
    if path is not None and heuristic.is_lock_file(path):
        return []
    hits: list[PluginHit] = []
    for plugin in plugins():
        found = plugin.analyze_line(filename=filename, line=line, line_number=0)
        for potential in found:
            secret = potential.secret_value or ""
            if not secret or _filtered(secret, line, plugin):
                continue
            start = line.find(secret)
            while start >= 0:
                end = start + len(secret)
                hits.append(PluginHit(type(plugin).__name__, potential.type, start, end))
                start = line.find(secret, end)
    return hits
