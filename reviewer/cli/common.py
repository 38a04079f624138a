"""Shared CLI plumbing: settings, database, one-line errors with exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from reviewer.errors import ReviewerError
from reviewer.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")

stderr = Console(stderr=True)
EXIT_USAGE = 2


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the exit to raise."""
    stderr.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our own errors into one line and exit code 2 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ReviewerError as exc:
            raise fail(str(exc)) from None

    return wrapper


def settings() -> Settings:
    try:
        return load_settings()
    except ReviewerError as exc:
        raise fail(str(exc)) from None


@contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner on stderr when it is a terminal; a plain line otherwise."""
    if sys.stderr.isatty():
        with stderr.status(message):
            yield
    else:
        stderr.print(message, highlight=False)
        yield
