"""Edges around a set of symbols: callers, callees and overriders, two hops out.

Callers are found candidates-first: ``git grep -w`` (or the name index) names the files
that mention a target, only those are parsed, and each mention is resolved; one that
resolves elsewhere is dropped, an unknown receiver in a file that imports the target's
package is kept as a ``possible`` edge, and a bare name match is only counted. Hop 2
expands only the strongest hop-1 edges, so cost stays bounded.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from subagents.tracing.candidates import files_mentioning, new_aliases
from subagents.tracing.evidence import CALL_FORMS, caller_confidence
from subagents.tracing.facts import Def, FileFacts, Ref
from subagents.tracing.languages import is_test_path
from subagents.tracing.model import Edge
from subagents.tracing.project import Project
from subagents.tracing.resolve import (
    EXACT,
    NAME_ONLY,
    Resolver,
    Sym,
)

EXPAND_PER_HOP = 25
MAX_EDGES_PER_TARGET = 300
POSSIBLE_BELOW = 0.5


CALLER_CHUNK = 100


@dataclass(frozen=True, slots=True)
class Node:
    sym: Sym
    target: str  # the changed symbol this node leads back to
    confidence: float


class Tracer:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.resolver = Resolver(project)
        self.omitted: Counter[str] = Counter()

    def qualified(self, sym: Sym) -> str:
        module = self.project.modules.module_name(sym.path)
        return f"{module}.{sym.qname}" if sym.qname else module

    # -- callers ---------------------------------------------------------------------------

    def callers(self, frontier: list[Node], hops: int) -> list[Edge]:
        by_name: dict[str, list[tuple[Node, Def]]] = {}
        for node in frontier:
            d = self.resolver.definition(node.sym)
            if d is not None:
                by_name.setdefault(d.name, []).append((node, d))
        edges: list[Edge] = []
        families: dict[str, set[str]] = {}
        for name, items in by_name.items():
            for node, _ in items:
                family = self.project.modules.files.get(node.sym.path, "")
                families.setdefault(family, set()).add(name)
        for family, names in families.items():
            edges += self._family_callers(family, names, by_name, hops)
        return edges

    def _family_callers(
        self, family: str, names: set[str], by_name: dict[str, list[tuple[Node, Def]]], hops: int
    ) -> list[Edge]:
        """Sources come before tests; under a time budget, read in chunks and stop before
        one that the last chunk's pace says would overrun it, counting what was left
        unread. Names the targets are re-exported as join the search as they are found:
        files read already are read again for those names only."""
        edges: list[Edge] = []
        known = {n: n for n in names}
        paths = files_mentioning(self.project, sorted(names), family)
        seen, start, per_file = set(paths), 0, 0.0
        while start < len(paths):
            chunk = paths[start : start + CALLER_CHUNK]
            if self.project.out_of_time(per_file * len(chunk)):
                self.project.omitted["candidate files over the time budget"] += len(paths) - start
                break
            began = time.monotonic()
            loaded = self.project.with_refs_named(chunk, set(known))
            found = new_aliases(loaded.values(), known)
            for path, facts in loaded.items():
                edges.extend(self._file_callers(path, facts, set(known), by_name, hops))
            start += len(chunk)
            if found:
                known.update(found)
                for alias, name in found.items():
                    by_name.setdefault(alias, by_name[name])
                more = files_mentioning(self.project, sorted(found), family)
                done = set(paths[:start])
                again = self.project.with_refs_named([p for p in more if p in done], set(found))
                for path, facts in again.items():
                    edges.extend(self._file_callers(path, facts, set(known), by_name, hops))
                paths += [p for p in more if p not in seen]
                seen.update(more)
            per_file = (time.monotonic() - began) / len(chunk)
        return edges

    def _file_callers(
        self,
        path: str,
        facts: FileFacts,
        names: set[str],
        by_name: dict[str, list[tuple[Node, Def]]],
        hops: int,
    ) -> list[Edge]:
        aliases = {i.alias: i.name for i in facts.imports if i.alias and i.name in names}
        edges = []
        for ref in facts.refs:
            for node, tdef in by_name.get(aliases.get(ref.name, ref.name), []):
                edge = self._caller_edge(path, ref, node, tdef, hops)
                if edge is not None:
                    edges.append(edge)
        return edges

    def _caller_edge(self, path: str, ref: Ref, node: Node, tdef: Def, hops: int) -> Edge | None:
        if (
            ref.scope is not None
            and (ref.scope == node.sym.qname or ref.scope.startswith(node.sym.qname + "."))
            and path == node.sym.path
        ):
            return None  # recursion inside the target itself
        confidence = caller_confidence(self.resolver, self.omitted, path, ref, node.sym, tdef)
        if confidence is None:
            return None
        if confidence <= NAME_ONLY:
            # A name match and nothing more: against a type checker nearly all of these
            # are wrong, so they are counted rather than shown as leads.
            self.omitted["name-only matches not listed"] += 1
            return None
        confidence = round(confidence * node.confidence, 3)
        caller = Sym(path, ref.scope or "")
        cdef = self.resolver.definition(caller) if ref.scope else None
        return Edge(
            kind="caller",
            symbol=self.qualified(caller),
            path=path,
            line=ref.line,
            target=node.target,
            hops=hops,
            confidence=confidence,
            possible=confidence < POSSIBLE_BELOW,
            form=ref.form,
            signature=cdef.signature if cdef else "",
            via=self.qualified(node.sym) if hops > 1 else None,
        )

    # -- callees ---------------------------------------------------------------------------

    def callees(self, frontier: list[Node], hops: int) -> list[Edge]:
        edges: list[Edge] = []
        for node in frontier:
            facts = self.project.facts(node.sym.path)
            d = self.resolver.definition(node.sym)
            nested = d is not None and d.kind != "class"  # a class's methods trace on their own
            seen: set[Sym] = set()
            for ref in facts.refs if facts else []:
                inside = ref.scope == node.sym.qname or (
                    nested and (ref.scope or "").startswith(node.sym.qname + ".")
                )
                if not inside or ref.form not in CALL_FORMS:
                    continue
                found, confidence = self.resolver.target_of(node.sym.path, ref)
                if not isinstance(found, Sym):
                    self.omitted["unresolved or external callee"] += 1
                    continue
                d = self.resolver.definition(found)
                if d is None or found in seen or found == node.sym:
                    continue
                seen.add(found)
                confidence = round(confidence * node.confidence, 3)
                edges.append(
                    Edge(
                        kind="callee",
                        symbol=self.qualified(found),
                        path=found.path,
                        line=d.line,
                        target=node.target,
                        hops=hops,
                        confidence=confidence,
                        possible=confidence < POSSIBLE_BELOW,
                        signature=d.signature,
                        site_path=node.sym.path,
                        site_line=ref.line,
                        via=self.qualified(node.sym) if hops > 1 else None,
                    )
                )
        return edges

    # -- overriders ------------------------------------------------------------------------

    def overriders(self, frontier: list[Node], hops: int) -> list[Edge]:
        """Methods of subclasses that override a traced method (dynamic dispatch reaches them)."""
        edges: list[Edge] = []
        for node in frontier:
            d = self.resolver.definition(node.sym)
            if d is None or d.kind != "method" or not d.parent:
                continue
            cls = Sym(node.sym.path, d.parent)
            cdef = self.resolver.definition(cls)
            if cdef is None or cdef.kind != "class":
                continue
            family = self.project.modules.files.get(cls.path, "")
            for path in files_mentioning(self.project, [cdef.name], family):
                for sub in self.resolver.defs(path).values():
                    if sub.kind != "class" or not sub.bases or Sym(path, sub.qname) == cls:
                        continue
                    sub_sym = Sym(path, sub.qname)
                    method = self.resolver.defs(path).get(f"{sub.qname}.{d.name}")
                    if method is None or not self.resolver.subclass_of(sub_sym, cls):
                        continue
                    edges.append(
                        Edge(
                            kind="overrider",
                            symbol=self.qualified(Sym(path, method.qname)),
                            path=path,
                            line=method.line,
                            target=node.target,
                            hops=hops,
                            confidence=round(EXACT * node.confidence, 3),
                            possible=False,
                            signature=method.signature,
                        )
                    )
        return edges

    # -- two hops --------------------------------------------------------------------------

    def trace(self, roots: list[Node], max_hops: int = 2) -> list[Edge]:
        edges: list[Edge] = []
        for step_of in (self.callers, self.callees, self.overriders):
            frontier, seen = roots, {n.sym for n in roots}
            sites: set[tuple[str, int, str]] = set()
            for hop in range(1, max_hops + 1):
                step = self._cap(step_of(frontier, hop))
                fresh = []
                for edge in step:  # best first, so a site keeps its strongest edge
                    if (edge.path, edge.line, edge.target) not in sites:
                        sites.add((edge.path, edge.line, edge.target))
                        fresh.append(edge)
                step = fresh
                edges.extend(step)
                frontier = self._next(step, seen)
                if not frontier:
                    break
        return edges

    def _cap(self, edges: list[Edge]) -> list[Edge]:
        by_target: Counter[str] = Counter()
        kept = []
        for edge in sorted(edges, key=lambda e: (-e.confidence, is_test_path(e.path), e.path)):
            by_target[edge.target] += 1
            if by_target[edge.target] > MAX_EDGES_PER_TARGET:
                self.omitted["edge limit"] += 1
                continue
            kept.append(edge)
        return kept

    def _next(self, edges: list[Edge], seen: set[Sym]) -> list[Node]:
        """The strongest new function-level symbols of this hop, to expand next."""
        nodes: list[Node] = []
        for edge in sorted(edges, key=lambda e: (-e.confidence, is_test_path(e.path))):
            if edge.possible:
                continue
            module = self.project.modules.module_name(edge.path)
            qname = edge.symbol[len(module) + 1 :] if edge.symbol.startswith(module + ".") else ""
            sym = Sym(edge.path, qname)
            if not qname or sym in seen:
                continue
            seen.add(sym)
            if len(nodes) == EXPAND_PER_HOP:
                self.omitted["not expanded to the next hop"] += 1
                continue
            nodes.append(Node(sym, edge.target, edge.confidence))
        return nodes
