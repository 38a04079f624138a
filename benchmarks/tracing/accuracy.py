"""Accuracy of caller edges against basedpyright's call hierarchy, with a name-match baseline.

    python -m benchmarks.tracing.accuracy requests==2.32.3 flask==3.0.3

For each sdist: every non-dunder function and method of the package's own source is a
sample (thinned evenly to ``--max-samples``); the oracle's incoming calls (basedpyright
over LSP, with a pyrightconfig that includes the tests) are compared with the tracer's
hop-1 caller edges by (path, call-site line). The baseline is what a name-only index
(aider's repo map) would answer: every call of the same name. Misses and false edges are
broken down by call form so a gap can be explained. The oracle's answers are kept in
``<workdir>/oracle-<project>.json``; delete it to ask the language server again.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from benchmarks.tracing.common import sdist_repo
from benchmarks.tracing.lsp import LspClient
from subagents.tracing.graph import Node, Tracer
from subagents.tracing.project import Project
from subagents.tracing.resolve import Sym
from subagents.tracing.source import GitTreeSource

Site = tuple[str, int]


def samples(project: Project, package_dir: str, limit: int) -> list[Sym]:
    """Functions and methods of the package, then the helpers (not the tests) of its tests."""
    paths = sorted(p for p in project.modules.files
                   if p.startswith((package_dir, "tests/")) and p.endswith(".py"))  # fmt: skip
    found = []
    for path, facts in project.load(paths).items():
        for d in facts.defs:
            if d.kind not in {"function", "method"} or d.name.startswith("test"):
                continue
            if (d.parent or "").startswith("Test") or d.name in {"__init__", "setup_method"}:
                continue  # pytest calls these; no call site exists in the code
            parent = next((p for p in facts.defs if p.qname == d.parent), None)
            if parent is None or parent.kind == "class":  # not a closure
                found.append(Sym(path, d.qname))
    found.sort(key=lambda s: (s.path, s.qname))
    step = max(len(found) / limit, 1.0)
    return [found[int(i * step)] for i in range(min(limit, len(found)))]


def form_of(project: Project, site: Site, name: str) -> str:
    """How the call at ``site`` is written: bare, self/cls, module/class attribute, other."""
    facts = project.facts(site[0])
    refs = [r for r in (facts.refs if facts else []) if r.line == site[1] and r.name == name]
    if not refs:
        return "name differs (alias) or not a call"
    receiver = refs[0].receiver
    if receiver is None:
        return "bare name"
    if receiver.split(".")[0] in {"self", "cls"} or receiver == "super()":
        return "self/cls/super"
    if receiver.endswith("()"):
        return "call result"
    return "other receiver"


def score(predicted: set[Site], oracle: set[Site]) -> tuple[int, int, int]:
    return len(predicted & oracle), len(predicted - oracle), len(oracle - predicted)


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def tally(totals: Counter[str], oracle: set[Site], predicted: dict[str, set[Site]]) -> None:
    """Add one sample's true and false positives and misses, per predicted set."""
    for label, sites in predicted.items():
        tp, fp, fn = score(sites, oracle)
        totals[f"{label}_tp"] += tp
        totals[f"{label}_fp"] += fp
        totals[f"{label}_fn"] += fn
    totals["oracle_edges"] += len(oracle)


def figures(totals: Counter[str], labels: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Precision, recall and counts per label."""
    result = {}
    for label in labels:
        tp, fp, fn = totals[f"{label}_tp"], totals[f"{label}_fp"], totals[f"{label}_fn"]
        precision, recall = round(ratio(tp, tp + fp), 3), round(ratio(tp, tp + fn), 3)
        result[label] = {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}
    return result


def evaluate(requirement: str, workdir: Path, limit: int) -> dict[str, object]:
    repo = sdist_repo(requirement, workdir)
    name = requirement.split("==")[0]
    package_dir = f"src/{name}/" if (repo / "src" / name).is_dir() else f"{name}/"
    (repo / "pyrightconfig.json").write_text(
        json.dumps({"include": [package_dir.rstrip("/"), "tests"], "extraPaths": ["src"],
                    "typeCheckingMode": "off"})
    )  # fmt: skip
    scope = (package_dir, "tests/")  # the pyrightconfig's include: what both sides are scored on
    project = Project(GitTreeSource(repo), None)
    tracer = Tracer(project)
    chosen = samples(project, package_dir, limit)
    all_py = [p for p in project.modules.files if p.endswith(".py")]
    index = project.load(all_py)
    oracle_file = workdir / f"oracle-{requirement}.json"
    cached: dict[str, list[list[object]]] = (
        json.loads(oracle_file.read_text()) if oracle_file.exists() else {}
    )
    lsp: LspClient | None = None
    totals: Counter[str] = Counter()
    by_confidence: Counter[str] = Counter()
    missed_by_form: Counter[str] = Counter()
    false_by_form: Counter[str] = Counter()
    oracle_time = ours_time = 0.0
    try:
        for sym in chosen:
            d = tracer.resolver.definition(sym)
            assert d is not None
            line_text = (repo / sym.path).read_text().splitlines()[d.line - 1]
            column = line_text.index("def " + d.name) + 4
            started = time.perf_counter()
            key = f"{sym.path}:{sym.qname}"
            if key not in cached:
                lsp = lsp or LspClient(repo)
                cached[key] = [list(s) for s in lsp.incoming_calls(repo / sym.path, d.line, column)]
            oracle = {(str(p), int(n)) for p, n in cached[key] if str(p).startswith(scope)}  # type: ignore[call-overload]
            oracle_time += time.perf_counter() - started
            started = time.perf_counter()
            edges = tracer.callers([Node(sym, sym.qname, 1.0)], 1)
            ours_time += time.perf_counter() - started
            # The oracle's call hierarchy lists calls and references to the function
            # (``callback=self.method``) but never a decorator application.
            calls = [e for e in edges if e.form != "decorator"]
            calls = [e for e in calls if e.path.startswith(scope)]  # what the oracle sees
            ours = {(e.path, e.line) for e in calls}
            sure = {(e.path, e.line) for e in calls if not e.possible}
            names = {(p, r.line) for p, f in index.items() for r in f.refs
                     if r.name == d.name and r.form == "call"
                     and p.startswith(scope)}  # fmt: skip
            for e in calls:
                hit = "tp" if (e.path, e.line) in oracle else "fp"
                by_confidence[f"{e.confidence:.2f} {hit}"] += 1
            tally(totals, oracle, {"all": ours, "sure": sure, "name": names})
            for site in oracle - sure:
                missed_by_form[form_of(project, site, d.name)] += 1
            for site in sure - oracle:
                false_by_form[form_of(project, site, d.name)] += 1
    finally:
        if lsp is not None:
            lsp.close()
        oracle_file.write_text(json.dumps(cached, sort_keys=True))
    result: dict[str, object] = {"project": requirement, "samples": len(chosen),
                                 "oracle_edges": totals["oracle_edges"]}  # fmt: skip
    result.update(figures(totals, ("all", "sure", "name")))
    result["sure_missed_by_form"] = dict(missed_by_form.most_common())
    result["sure_false_by_form"] = dict(false_by_form.most_common())
    result["tracer_edges_by_confidence"] = dict(sorted(by_confidence.items()))
    result["seconds"] = {"oracle": round(oracle_time, 1), "tracer": round(ours_time, 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirements", nargs="*", default=["requests==2.32.3", "flask==3.0.3"])
    parser.add_argument("--max-samples", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/trace-bench"))
    args = parser.parse_args()
    for requirement in args.requirements:
        result = evaluate(requirement, args.workdir, args.max_samples)
        print(json.dumps(result, indent=2))
        sure, every, base = result["sure"], result["all"], result["name"]
        assert isinstance(sure, dict) and isinstance(every, dict) and isinstance(base, dict)
        print(
            f"{requirement}: tracer (non-possible edges) P={sure['precision']:.2f} "
            f"R={sure['recall']:.2f}; with possible edges P={every['precision']:.2f} "
            f"R={every['recall']:.2f}; name-match baseline P={base['precision']:.2f} "
            f"R={base['recall']:.2f}; precision {sure['precision'] / base['precision']:.1f}x "
            "the baseline"
        )


if __name__ == "__main__":
    main()
