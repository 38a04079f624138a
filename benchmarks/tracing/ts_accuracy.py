"""Accuracy of TypeScript caller edges against the TypeScript language service's call hierarchy.

    npm install --prefix /tmp/ts typescript@5.6.3      # the oracle, from the npm registry
    python -m benchmarks.tracing.ts_accuracy --repo PATH --scope packages/zod/src/ \\
        --tsserver /tmp/ts/node_modules/typescript/lib/tsserver.js

The same sampling as the Python benchmark: every function and method with a body of the
files under ``--scope`` (test files excluded; a namespace's functions count, closures and
abstract signatures do not), thinned evenly to ``--max-samples``. The oracle is
``tsserver``'s ``prepareCallHierarchy`` then ``provideCallHierarchyIncomingCalls`` at each
definition's name; the tracer's hop-1 caller edges are compared with it by (path, line),
both restricted to ``--scope``. Baseline in the same run: every call of the same name.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

from benchmarks.tracing.accuracy import figures, tally
from subagents.tracing.graph import Node, Tracer
from subagents.tracing.languages import is_test_path
from subagents.tracing.project import Project
from subagents.tracing.resolve import Sym
from subagents.tracing.source import GitTreeSource

Site = tuple[str, int]


class TsServer:
    """``tsserver`` over its stdio protocol: JSON lines in, Content-Length framed out."""

    def __init__(self, tsserver: Path, root: Path) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            ["node", str(tsserver), "--disableAutomaticTypingAcquisition"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.seq = 0
        self.opened: set[Path] = set()

    def request(self, command: str, arguments: dict[str, Any]) -> Any:
        self.seq += 1
        message = {"seq": self.seq, "type": "request", "command": command, "arguments": arguments}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()
        while True:
            header = self.proc.stdout.readline()
            if not header:
                raise RuntimeError("tsserver exited")
            if not header.lower().startswith(b"content-length:"):
                continue
            length = int(header.split(b":")[1])
            self.proc.stdout.readline()  # the blank line
            reply = json.loads(self.proc.stdout.read(length))
            if reply.get("type") == "response" and reply.get("request_seq") == self.seq:
                return reply.get("body") if reply.get("success") else None

    def incoming(self, path: Path, line: int, offset: int) -> set[Site]:
        if path not in self.opened:
            self.request("open", {"file": str(path)})
            self.opened.add(path)
        position = {"file": str(path), "line": line, "offset": offset}
        if not self.request("prepareCallHierarchy", position):
            return set()
        sites: set[Site] = set()
        for call in self.request("provideCallHierarchyIncomingCalls", position) or []:
            caller = Path(call["from"]["file"])
            if not caller.is_relative_to(self.root):
                continue
            rel = caller.relative_to(self.root).as_posix()
            sites.update((rel, span["start"]["line"]) for span in call.get("fromSpans", []))
        return sites

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


class Oracle(Protocol):
    """Incoming call sites of the definition at (1-based) ``line``/``offset``; None when
    the oracle cannot answer for that file (the sample is left out and counted)."""

    def incoming(self, path: Path, line: int, offset: int) -> set[Site] | None: ...

    def close(self) -> None: ...


def samples(project: Project, scope: str, limit: int, family: str = "js") -> list[Sym]:
    paths = sorted(p for p, f in project.modules.files.items()
                   if f == family and p.startswith(scope) and not is_test_path(p)
                   and not p.endswith(".d.ts"))  # fmt: skip
    found = []
    for path, facts in project.load(paths).items():
        kinds = {d.qname: d.kind for d in facts.defs}
        found += [
            Sym(path, d.qname)
            for d in facts.defs
            if d.kind in {"function", "method"} and d.name != "constructor"
            and "abstract" not in d.decorators  # a signature without a body
            and kinds.get(d.parent or "", "class") in {"class", "namespace"}  # not a closure
        ]  # fmt: skip
    step = max(len(found) / limit, 1.0)
    return [found[int(i * step)] for i in range(min(limit, len(found)))]


def evaluate(
    repo: Path, scope: str, server: Oracle, limit: int, family: str = "js"
) -> dict[str, object]:
    """Score the tracer's hop-1 callers of the sampled symbols against ``server``'s."""
    project = Project(GitTreeSource(repo), None)
    tracer = Tracer(project)
    chosen = samples(project, scope, limit, family)
    index = project.load([p for p, f in project.modules.files.items() if f == family])
    totals: Counter[str] = Counter()
    unanswered = 0
    oracle_time = ours_time = 0.0
    try:
        for sym in chosen:
            d = tracer.resolver.definition(sym)
            assert d is not None
            text = (repo / sym.path).read_text().splitlines()[d.line - 1]
            at = re.search(rf"\b{re.escape(d.name)}\b", text)  # not ``Parse`` in ``Parser``
            started = time.perf_counter()
            answer = server.incoming(repo / sym.path, d.line, (at.start() if at else 0) + 1)
            if answer is None:
                unanswered += 1
                continue
            oracle = {s for s in answer if s[0].startswith(scope)}
            oracle_time += time.perf_counter() - started
            started = time.perf_counter()
            edges = [e for e in tracer.callers([Node(sym, sym.qname, 1.0)], 1)
                     if e.form != "decorator" and e.path.startswith(scope)]  # fmt: skip
            ours_time += time.perf_counter() - started
            names = {(p, r.line) for p, f in index.items() for r in f.refs
                     if r.name == d.name and r.form == "call" and p.startswith(scope)}  # fmt: skip
            tally(totals, oracle, {
                "all": {(e.path, e.line) for e in edges},
                "sure": {(e.path, e.line) for e in edges if not e.possible},
                "name": names,
            })  # fmt: skip
    finally:
        server.close()
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()  # fmt: skip
    result: dict[str, object] = {"repo": str(repo), "commit": commit, "samples": len(chosen),
                                 "oracle_unanswered": unanswered,
                                 "oracle_edges": totals["oracle_edges"]}  # fmt: skip
    result.update(figures(totals, ("all", "sure", "name")))
    result["seconds"] = {"oracle": round(oracle_time, 1), "tracer": round(ours_time, 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--scope", required=True, help="folder prefix both sides are scored on")
    parser.add_argument("--tsserver", type=Path, required=True)
    parser.add_argument("--max-samples", type=int, default=300)
    args = parser.parse_args()
    repo = args.repo.resolve()
    result = evaluate(repo, args.scope, TsServer(args.tsserver, repo), args.max_samples)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
