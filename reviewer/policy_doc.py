"""``docs/policy.md``, generated from the policy model so the reference cannot drift.

Keys, types, defaults and bounds come from the pydantic model in ``reviewer.policy``;
each key's text is its attribute docstring there, and its example the field's
``examples`` (or its default). Regenerate after changing the model:

    .venv/bin/python -m reviewer.policy_doc > docs/policy.md

``tests/test_policy_doc.py`` fails when the file and the model disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reviewer.policy import POLICY_PATH, Policy

REGENERATE = ".venv/bin/python -m reviewer.policy_doc > docs/policy.md"

INTRO = f"""\
<!-- Generated from reviewer/policy.py by `{REGENERATE}`; do not edit by hand. -->
# Repository policy: `{POLICY_PATH}`

Each repository steers the reviewer with `{POLICY_PATH}` on its **default branch**.
The file is read from the default branch, never from the pull request: a PR that edits it
is reviewed by the old rules and always needs a human. No file means every default below.
Unknown keys and wrong types are errors, named with the file, line and key; while the
file is invalid every pull request of the repository gets `human` with that message,
never a silent fallback to the defaults.

The whole file with every default spelled out:

```yaml
{{defaults}}```

Guidance (the team's rules, `.github/reviewer/*.md`) is described in `docs/guidance.md`.

## Keys
"""


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _nested(path: list[str], value: Any) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    return value


def _type(field: FieldInfo) -> str:
    text = str(field.annotation).replace("typing.", "")
    names = {"bool": "boolean", "int": "integer", "float": "number", "str": "string"}
    if text.startswith("tuple[str, ...]"):
        return "list of strings"
    if text.startswith("Literal["):
        return "one of " + text.removeprefix("Literal[").rstrip("]")
    return names.get(getattr(field.annotation, "__name__", ""), text)


def _bounds(field: FieldInfo) -> str:
    marks = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    found = [
        f"{marks[name]} {getattr(meta, name)}"
        for meta in field.metadata
        for name in marks
        if getattr(meta, name, None) is not None
    ]
    return f" ({', '.join(found)})" if found else ""


def _fields(model: type[BaseModel], path: list[str]) -> Iterator[tuple[list[str], FieldInfo]]:
    for name, field in model.model_fields.items():
        yield [*path, name], field
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _fields(annotation, [*path, name])


def _section(path: list[str], field: FieldInfo, default: Any) -> str:
    name = ".".join(path)
    annotation = field.annotation
    nested = isinstance(annotation, type) and issubclass(annotation, BaseModel)
    lines = [f"### `{name}`", "", (field.description or "").replace("\n", " "), ""]
    if nested:
        return "\n".join([*lines, "The keys below sit under it.", ""])
    lines.append(f"Type: {_type(field)}{_bounds(field)}. Default: `{json.dumps(default)}`.")
    example = field.examples[0] if field.examples else default
    lines += ["", "```yaml", _yaml(_nested(path, example)).rstrip(), "```", ""]
    return "\n".join(lines)


def missing_descriptions() -> list[str]:
    """Keys whose model field has no attribute docstring (the doc would say nothing)."""
    return [".".join(path) for path, field in _fields(Policy, []) if not field.description]


def render() -> str:
    defaults = Policy().model_dump(mode="json")
    sections = []
    for path, field in _fields(Policy, []):
        default: Any = defaults
        for key in path:
            default = default[key]
        sections.append(_section(path, field, default))
    return INTRO.replace("{defaults}", _yaml(defaults)) + "\n" + "\n".join(sections)


if __name__ == "__main__":
    print(render(), end="")
