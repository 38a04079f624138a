"""Write settings into a ``.env`` file: the given keys replaced, every other line kept as
it was, the file readable by its owner only (0600), and never half written.

Parsed with python-dotenv, the parser pydantic-settings reads ``.env`` with, so what is
written reads back as written; the new file is checked before it replaces the old one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from io import StringIO
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from reviewer.errors import ReviewerError

MODE = 0o600


class EnvFileError(ReviewerError):
    """The file cannot be read, parsed or written; it is left as it was."""


def existing_keys(path: Path) -> set[str]:
    """The keys ``path`` sets, upper-cased (settings names are case-insensitive);
    empty when there is no file."""
    return {key.upper() for key in _kept_lines(path, set())[1]}


def update(path: Path, values: Mapping[str, str], drop: Iterable[str] = ()) -> None:
    """Set ``values`` and remove ``drop`` in ``path`` (created when missing)."""
    gone = {key.upper() for key in (*values, *drop)}
    kept, _ = _kept_lines(path, gone)
    text = "".join(kept)
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{key}={_quote(value)}\n" for key, value in values.items())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), MODE)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        back = dotenv_values(tmp, interpolate=True)
        if any(back.get(key) != value for key, value in values.items()):
            raise EnvFileError(f"{path}: a value would not read back as written; not changed")
        os.replace(tmp, path)
    except OSError as exc:
        raise EnvFileError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _kept_lines(path: Path, gone: set[str]) -> tuple[list[str], list[str]]:
    """The original text of every entry whose key is not in ``gone``, and all keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"cannot read {path}: {exc}") from None
    kept, keys = [], []
    for binding in parse_stream(StringIO(text)):
        if binding.error:
            line = binding.original.line
            raise EnvFileError(f"{path}, line {line}: not KEY=VALUE; fix it first")
        if binding.key is not None:
            keys.append(binding.key)
        if binding.key is None or binding.key.upper() not in gone:
            kept.append(binding.original.string)
    return kept, keys


def _quote(value: str) -> str:
    """Double-quoted with python-dotenv's escapes for ``\\`` and ``"``; newlines stay real,
    so a PEM key copied out of the file is a PEM key. (``${NAME}`` has no escape: python-dotenv
    expands it in any quotes, so :func:`update` refuses such a value.)"""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
