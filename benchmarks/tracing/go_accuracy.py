"""Accuracy of Go caller edges against gopls's call hierarchy.

    apt-get install golang-go gopls        # the oracle, from Debian's packages
    python -m benchmarks.tracing.go_accuracy --repo PATH --scope ""

The same sampling and scoring as ``ts_accuracy``: every function and method of the
non-test ``.go`` files under ``--scope``, thinned evenly to ``--max-samples``; the oracle
is ``gopls`` over LSP (``textDocument/prepareCallHierarchy`` then
``callHierarchy/incomingCalls`` at each definition's name), run with the module proxy
off, so a repository must build from the standard library and its own packages.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.tracing.lsp import LspClient
from benchmarks.tracing.ts_accuracy import Site, evaluate


class Gopls:
    """gopls with its caches in a temporary folder and no network. Debian's gopls crashes
    on some interface methods: the server is restarted and that sample left out."""

    def __init__(self, root: Path) -> None:
        self.root = root
        home = tempfile.mkdtemp(prefix="gopls-")
        self.env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "-mod=mod", "HOME": home,
                    "GOPATH": f"{home}/go", "GOCACHE": f"{home}/cache"}  # fmt: skip
        self.client = self._start()

    def _start(self) -> LspClient:
        return LspClient(self.root, ["gopls", "serve"], language_id="go", env=self.env)

    def incoming(self, path: Path, line: int, offset: int) -> set[Site] | None:
        for attempt in range(3):
            try:
                return self.client.incoming_calls(path, line, offset - 1)
            except (RuntimeError, BrokenPipeError):
                if self.client.proc.poll() is not None:  # crashed: start again
                    self.client = self._start()
                time.sleep(2 * attempt + 1)  # a restarted server loads the workspace first
        return None  # a file no build configuration includes (``//go:build``)

    def close(self) -> None:
        self.client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--scope", default="", help="folder prefix both sides are scored on")
    parser.add_argument("--max-samples", type=int, default=300)
    args = parser.parse_args()
    repo = args.repo.resolve()
    result = evaluate(repo, args.scope, Gopls(repo), args.max_samples, family="go")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
