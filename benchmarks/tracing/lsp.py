"""A minimal LSP client for the oracles: ``basedpyright-langserver --stdio``, ``gopls``.

Only what the accuracy harness needs: initialize, open a file, prepare a call hierarchy
at a position and ask for its incoming calls. Requests the server sends us
(configuration, progress, registrations) are answered with empty results.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


class LspClient:
    def __init__(
        self,
        root: Path,
        command: list[str] | None = None,
        language_id: str = "python",
        env: dict[str, str] | None = None,
    ) -> None:
        """``command`` starts the server on stdio (basedpyright from this venv if None)."""
        if command is None:
            exe = shutil.which("basedpyright-langserver") or str(
                Path(sys.executable).parent / "basedpyright-langserver"
            )
            command = [exe, "--stdio"]
        self.language_id = language_id
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env,
        )  # fmt: skip
        self.next_id = 0
        self.root = root
        self.opened: set[str] = set()
        uri = root.as_uri()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": root.name}],
                "capabilities": {"textDocument": {"callHierarchy": {}}},
            },
        )
        self.notify("initialized", {})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("language server exited")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return dict(json.loads(self.proc.stdout.read(length)))

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self._send({"jsonrpc": "2.0", "id": wanted, "method": method, "params": params})
        while True:
            message = self._read()
            if "method" in message and "id" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [{} for _ in message["params"].get("items", [])]
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            elif message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")

    def open(self, path: Path) -> None:
        uri = path.as_uri()
        if uri not in self.opened:
            text = path.read_text("utf-8", "replace")
            document = {"uri": uri, "languageId": self.language_id, "version": 1, "text": text}
            self.notify("textDocument/didOpen", {"textDocument": document})
            self.opened.add(uri)

    def incoming_calls(self, path: Path, line: int, column: int) -> set[tuple[str, int]]:
        """(repo-relative path, 1-based call-site line) of every incoming call."""
        self.open(path)
        position = {"line": line - 1, "character": column}
        items = self.request(
            "textDocument/prepareCallHierarchy",
            {"textDocument": {"uri": path.as_uri()}, "position": position},
        )
        sites: set[tuple[str, int]] = set()
        for item in items or []:
            for call in self.request("callHierarchy/incomingCalls", {"item": item}) or []:
                caller = Path(call["from"]["uri"].removeprefix("file://"))
                try:
                    rel = caller.relative_to(self.root).as_posix()
                except ValueError:
                    continue
                for rng in call.get("fromRanges", []):
                    sites.add((rel, rng["start"]["line"] + 1))
        return sites

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
        except (RuntimeError, BrokenPipeError):
            pass
        self.proc.wait(timeout=10)
