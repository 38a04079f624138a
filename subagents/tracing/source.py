"""Where the tree at the head commit comes from: a local git repository, GitHub, or a folder.

Every source lists the whole tree cheaply (paths, blob SHAs, modes, sizes) and reads only
the blobs it is asked for, so the tracer can pick candidate files before reading any.
Only the local git source can search contents (``git grep -w``); the others rely on the
tracer's name index instead.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reviewer.errors import GitError

if TYPE_CHECKING:
    from reviewer.github.client import GitHubClient

SYMLINK, SUBMODULE = "120000", "160000"


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    sha: str  # git blob SHA; empty when the source only learns it by reading
    mode: str = "100644"
    size: int = 0


class TreeSource(Protocol):
    """The repository tree at one commit."""

    remote: bool

    def entries(self) -> list[TreeEntry]: ...

    def read(self, entries: list[TreeEntry]) -> dict[str, bytes]: ...

    def grep(self, names: list[str], globs: list[str], words: bool = True) -> set[str] | None:
        """Paths holding any of ``names`` (as a whole word unless ``words`` is false), or
        None when unsupported."""
        ...


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()  # git's object id


class GitTreeSource:
    """A commit of a local repository, read from git's object store (not the work tree)."""

    remote = False

    def __init__(self, repo: str | Path, ref: str = "HEAD") -> None:
        self.repo = str(repo)
        full_sha = len(ref) == 40 and all(c in "0123456789abcdef" for c in ref)
        self.commit = (
            ref
            if full_sha
            else self._git("rev-parse", "--verify", f"{ref}^{{commit}}").decode().strip()
        )
        self._entries: list[TreeEntry] | None = None

    def _git(self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        try:
            proc = subprocess.run(
                ["git", "-C", self.repo, *args],
                input=stdin,
                capture_output=True,
                check=False,
                timeout=300,
            )
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        except subprocess.TimeoutExpired:
            raise GitError(f"git {args[0]} took longer than 300 s") from None
        if proc.returncode not in ok:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
        return proc.stdout

    def entries(self) -> list[TreeEntry]:
        if self._entries is None:
            out = self._git("ls-tree", "-r", "-l", "-z", "--full-tree", self.commit)
            rows = []
            for record in out.split(b"\x00"):
                if not record:
                    continue
                meta, path = record.split(b"\t", 1)
                mode, _kind, sha, size = meta.split()
                rows.append(
                    TreeEntry(
                        path.decode("utf-8", "replace"),
                        sha.decode(),
                        mode.decode(),
                        int(size) if size.isdigit() else 0,
                    )
                )
            self._entries = rows
        return self._entries

    def read(self, entries: list[TreeEntry]) -> dict[str, bytes]:
        """Blob contents by path, through one ``git cat-file --batch`` process."""
        if not entries:
            return {}
        out = self._git(
            "cat-file", "--batch", stdin="".join(f"{e.sha}\n" for e in entries).encode()
        )
        result: dict[str, bytes] = {}
        pos = 0
        for entry in entries:
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split()
            if len(header) < 3 or header[1] == b"missing":
                pos = header_end + 1
                continue
            size = int(header[2])
            result[entry.path] = out[header_end + 1 : header_end + 1 + size]
            pos = header_end + 1 + size + 1
        return result

    def grep(self, names: list[str], globs: list[str], words: bool = True) -> set[str] | None:
        if not names:
            return set()
        args = ["grep", "-I", "-l", *(["-w"] if words else []), "-F", "-z", "--no-color"]
        for name in names:
            args += ["-e", name]
        out = self._git(*args, self.commit, "--", *globs, ok=(0, 1))
        prefix = f"{self.commit}:".encode()
        return {p.removeprefix(prefix).decode("utf-8", "replace") for p in out.split(b"\x00") if p}


BLOB_BATCH = 50


class GitHubTreeSource:
    """A commit on GitHub: one recursive tree request, then blobs read in GraphQL batches.

    Nothing is requested until the tracer asks, so a review that never traces costs
    nothing; blob contents are cached by SHA by the tracer, so later pushes fetch only
    the blobs that changed. Readers on other threads (two specialists tracing at once)
    wait for a read under way instead of making the same request again.
    """

    remote = True

    def __init__(
        self, client: GitHubClient, repo: str, sha: str, blobs: dict[str, bytes] | None = None
    ) -> None:
        """``blobs``: contents by blob SHA already read (along with the PR's context)."""
        self.client, self.repo, self.commit = client, repo, sha
        self._entries: list[TreeEntry] | None = None
        # By blob SHA: a second reader costs no request.
        self._blobs: dict[str, bytes] = dict(blobs or {})
        self.truncated = False  # GitHub listed only part of the tree: a trace gap
        self._lock = threading.Lock()

    def entries(self) -> list[TreeEntry]:
        with self._lock:
            return self._listed()

    def _listed(self) -> list[TreeEntry]:
        if self._entries is None:
            items, self.truncated = self.client.tree(self.repo, self.commit)
            self._entries = [
                TreeEntry(
                    item["path"],
                    item.get("sha", ""),
                    SUBMODULE if item.get("type") == "commit" else str(item.get("mode", "100644")),
                    int(item.get("size") or 0),
                )
                for item in items
                if item.get("type") in {"blob", "commit"}
            ]
        return self._entries

    def read(self, entries: list[TreeEntry]) -> dict[str, bytes]:
        """Blobs in batches of ``BLOB_BATCH`` per GraphQL request, so a cold trace of a
        10-file change costs one request, not ten; a blob GraphQL truncates is read
        through the REST blobs API. Blobs read before (by SHA) are served from memory."""
        with self._lock:
            return self._read(entries)

    def _read(self, entries: list[TreeEntry]) -> dict[str, bytes]:
        result = {e.path: self._blobs[e.sha] for e in entries if e.sha in self._blobs}
        missing = [e for e in entries if e.path not in result]
        owner, name = self.repo.split("/", 1)
        for start in range(0, len(missing), BLOB_BATCH):
            batch = missing[start : start + BLOB_BATCH]
            fields = " ".join(
                f'b{i}: object(oid: "{e.sha}") {{ ... on Blob {{ text isBinary isTruncated }} }}'
                for i, e in enumerate(batch)
            )
            query = (
                f"query($owner: String!, $name: String!) "
                f"{{ repository(owner: $owner, name: $name) {{ {fields} }} }}"
            )
            found = self.client.graphql(query, {"owner": owner, "name": name})
            blobs = found.get("repository") or {}
            for i, entry in enumerate(batch):
                blob = blobs.get(f"b{i}")
                if blob is None:
                    continue
                if blob.get("isBinary"):
                    result[entry.path] = b"\x00"  # the tracer skips it as binary
                elif blob.get("isTruncated") or blob.get("text") is None:
                    result[entry.path] = self._rest_blob(entry)
                else:
                    result[entry.path] = str(blob["text"]).encode("utf-8")
                if entry.sha:
                    self._blobs[entry.sha] = result[entry.path]
        return result

    def _rest_blob(self, entry: TreeEntry) -> bytes:
        data = self.client.request("GET", f"/repos/{self.repo}/git/blobs/{entry.sha}")[1]
        return base64.b64decode(data.get("content", ""))

    def grep(self, names: list[str], globs: list[str], words: bool = True) -> set[str] | None:
        return None


class DirectorySource:
    """A plain folder (an unpacked sdist): no git, so no grep and SHAs computed on read."""

    remote = False

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._entries: list[TreeEntry] | None = None

    def entries(self) -> list[TreeEntry]:
        if self._entries is None:
            rows = []
            for folder, dirs, files in os.walk(self.root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    full = Path(folder) / name
                    rel = full.relative_to(self.root).as_posix()
                    if full.is_symlink():
                        rows.append(TreeEntry(rel, "", SYMLINK, 0))
                    elif full.is_file():
                        rows.append(TreeEntry(rel, "", "100644", full.stat().st_size))
            self._entries = rows
        return self._entries

    def read(self, entries: list[TreeEntry]) -> dict[str, bytes]:
        return {e.path: (self.root / e.path).read_bytes() for e in entries}

    def grep(self, names: list[str], globs: list[str], words: bool = True) -> set[str] | None:
        return None
