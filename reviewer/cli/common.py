"""Shared CLI plumbing: settings, database, one-line errors with exit code 2.

Light on purpose (typer and the standard library only): every command module imports it
at start-up, before the user's command is known.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

from reviewer.errors import ReviewerError

if TYPE_CHECKING:
    from reviewer.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USAGE = 2


def note(message: str) -> None:
    """One line for the person at the terminal, on stderr so stdout stays parseable."""
    typer.echo(message, err=True)


def fail(message: str) -> typer.Exit:
    """Print one line to stderr and return the exit to raise."""
    typer.secho("error: ", fg="red", bold=True, err=True, nl=False)
    typer.echo(message, err=True)
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
    from reviewer.settings import load_settings

    try:
        return load_settings()
    except ReviewerError as exc:
        raise fail(str(exc)) from None


@contextmanager
def progress(message: str) -> Iterator[None]:
    """A spinner on stderr when it is a terminal; a plain line otherwise."""
    if sys.stderr.isatty():
        from rich.console import Console

        with Console(stderr=True).status(message):
            yield
    else:
        note(message)
        yield
