"""Conventions every command gets without asking: plain help, readable metavars, errors
in the user's words.

They are applied in one place, the root group, to whatever command tree the modules of
``reviewer/cli`` register, so a new command group conforms by being added. Plain help
(no rich panels) is also the fast one: rendering rich help imports about as much again as
``typer`` itself, which would break the ``reviewer --help`` start-up budget.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, get_args

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

EXIT_CODES = """\b
Exit codes:
  0  done (for checks: nothing wrong)
  1  a check found a problem (audit verify, guidance lint)
  2  bad input: unknown option or value, not a repository, invalid settings
"""

_TYPE_METAVARS: dict[Any, str] = {
    int: "N",
    float: "NUMBER",
    Path: "PATH",
    datetime: "TIME",
}


class ReadableArgument(TyperArgument):
    """A positional argument shown as ``JOB_ID`` (or ``[B]`` when optional) in the usage
    line, instead of typer's ``{job_id}``."""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        return name if self.required else f"[{name}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


def _choices(param: TyperOption | TyperArgument) -> list[str] | None:
    choices = param.type_descriptor.choices
    if not param.type_descriptor.is_choice or choices is None:
        return None
    return [str(c.value) if isinstance(c, Enum) else str(c) for c in choices]


def _metavar(param: TyperOption | TyperArgument) -> str:
    choices = _choices(param)
    if choices is not None:
        return "[" + "|".join(choices) + "]"
    annotation = param.type_descriptor.annotation
    candidates = [annotation, *get_args(annotation)]
    for candidate in candidates:
        if candidate in _TYPE_METAVARS:
            return _TYPE_METAVARS[candidate]
    return (param.name or "value").upper()


def conform(command: TyperCommand | TyperGroup) -> None:
    """Apply the conventions to ``command`` and everything under it (idempotent)."""
    command.rich_markup_mode = None
    for param in command.params:
        if isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            param.__class__ = ReadableArgument
        elif isinstance(param, TyperOption) and not param.is_flag and param.metavar is None:
            param.metavar = _metavar(param)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            if isinstance(sub, TyperCommand | TyperGroup):
                conform(sub)


def _worded(exc: typer.BadParameter) -> typer.BadParameter:
    """The bad value and what is allowed, in place of the validation library's wording
    ("Value error, 'xml' is not one of ...")."""
    cause = exc.__cause__
    param = exc.param
    errors = getattr(cause, "errors", None)
    if not callable(errors) or not isinstance(param, TyperOption | TyperArgument):
        return exc
    first: dict[str, Any] = errors()[0]
    value = first.get("input")
    kind = first.get("type", "")
    limits = first.get("ctx") or {}
    choices = _choices(param)
    if choices is not None:
        message = f"{value!r} is not allowed; use one of: {', '.join(choices)}"
    elif kind in ("int_parsing", "int_from_float"):
        message = f"{value!r} is not a whole number"
    elif kind == "float_parsing":
        message = f"{value!r} is not a number"
    elif kind == "greater_than_equal":
        message = f"{value} is too small; the smallest allowed is {limits.get('ge')}"
    elif kind == "less_than_equal":
        message = f"{value} is too large; the largest allowed is {limits.get('le')}"
    elif param.type_descriptor.is_datetime:
        message = f"{value!r} is not a date or time; use e.g. 2026-11-01 or 2026-11-01T09:30:00"
    else:
        message = str(first.get("msg", exc.message)).removeprefix("Value error, ")
        if value is not None and repr(value) not in message:
            message += f" (got {value!r})"
    return typer.BadParameter(message, ctx=exc.ctx, param=param)


class ReviewerGroup(TyperGroup):
    """The root group: conforms every subcommand it hands out and rewords bad values."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, TyperCommand | TyperGroup):
            conform(command)
        return command

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            raise _worded(exc) from None
