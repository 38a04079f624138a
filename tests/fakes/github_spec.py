"""GitHub's official OpenAPI description, as the fake GitHub's referee.

Every request the fake receives (method, path, query, JSON body) and every response it
sends (status, JSON body) is checked against the operations of ``@octokit/openapi``
(npm, MIT) that the fake serves; the subset is vendored in ``openapi/`` with its licence.
A violation is answered as GitHub would answer it (404 for an unknown path, 422 for a
bad body or query value) and recorded, and the test that caused it fails at teardown.

Stricter than GitHub in one way, on purpose: a query parameter the operation does not
declare is a violation (GitHub ignores it, so a misspelt filter silently does nothing).

Refresh the subset after the fake gains a route::

    npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz
    python -m tests.fakes.github_spec package/generated/api.github.com.json
"""

from __future__ import annotations

import json
import re
import sys
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_FILE = Path(__file__).parent / "openapi" / "api.github.com.json"
GRAPHQL_BODY = {
    "type": "object",
    "required": ["query"],
    "properties": {"query": {"type": "string"}, "variables": {"type": "object"}},
    "additionalProperties": False,
}
_DROP = {"description", "summary", "example", "examples", "externalDocs", "x-github", "tags"}
_DOC_URI = "urn:github-openapi"
# Every fake GitHub alive; the suite's autouse fixture fails a test that left a violation.
_VALIDATORS: dict[int, Draft4Validator] = {}  # schemas live as long as the cached document
LIVE_FAKES: weakref.WeakSet[Any] = weakref.WeakSet()


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: dict[str, Any]

    def parameters(self, where: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.spec.get("parameters", []) if p["in"] == where}


class SpecViolation(Exception):
    """What GitHub's description says is wrong with a request or a response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- loading


def _nullable_to_schema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` -> JSON Schema (``null`` allowed), recursively."""
    if isinstance(node, list):
        return [_nullable_to_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_schema(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str) and "enum" not in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        for part in node["$ref"].split("#/", 1)[1].split("/"):
            doc = doc[part]
        node = doc
    return node


@cache
def _document() -> tuple[dict[str, Any], list[Operation], Registry]:
    # References made absolute, so that any schema inside resolves through the registry.
    text = SPEC_FILE.read_text().replace('"$ref": "#/', f'"$ref": "{_DOC_URI}#/')
    doc = _nullable_to_schema(json.loads(text))
    operations = []
    for template, item in doc["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template))
        if template.endswith("/trees/{tree_sha}"):
            regex = regex.removesuffix("([^/]+)") + "(.+)"  # a ref may hold slashes
        if template.endswith("/contents/{path}"):  # a path, or none for the root
            regex = regex.removesuffix("/([^/]+)") + "(?:/(.*))?"
        for method, spec in item.items():
            if method == "parameters":
                continue
            spec = dict(spec)
            spec["parameters"] = [_resolve(doc, p) for p in spec.get("parameters", [])]
            operations.append(Operation(method.upper(), template, re.compile(f"^{regex}$"), spec))
    # Literal segments win over parameters (``/pulls/comments/1`` is not ``/pulls/{n}``).
    operations.sort(key=lambda op: -len(re.sub(r"\{[^}]+\}", "", op.template)))
    registry = Registry().with_resource(_DOC_URI, DRAFT4.create_resource(doc))
    return doc, operations, registry


def load() -> None:
    """Parse the description now (once per process) rather than on the first request."""
    _document()


def _validate(schema: dict[str, Any], value: Any, where: str) -> None:
    _, _, registry = _document()
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = Draft4Validator(schema, registry=registry)
    error = next(iter(sorted(validator.iter_errors(value), key=lambda e: list(e.path))), None)
    if error is not None:
        at = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise SpecViolation(422, f"{where}: {at}: {error.message[:300]}")


# --------------------------------------------------------------------------- checking


def operation(method: str, path: str) -> Operation:
    """The operation GitHub serves at ``method path``, or a 404 violation."""
    _, operations, _ = _document()
    method = "GET" if method == "HEAD" else method
    for op in operations:
        if op.method == method and op.pattern.match(path):
            return op
    raise SpecViolation(404, f"{method} {path} is not an operation of GitHub's REST API")


def check_request(method: str, path: str, query: dict[str, str], body: Any) -> Operation:
    """Raise ``SpecViolation`` when GitHub's description rejects this request."""
    if path == "/graphql":
        if method != "POST":
            raise SpecViolation(404, f"{method} /graphql: GraphQL takes POST only")
        _validate(GRAPHQL_BODY, body, "GraphQL body")
        return Operation("POST", "/graphql", re.compile("^/graphql$"), {})
    op = operation(method, path)
    values = op.pattern.match(path)
    assert values is not None
    names = re.findall(r"\{([^}]+)\}", op.template)
    path_params = op.parameters("path")
    for name, value in zip(names, values.groups(), strict=True):
        try:
            _check_param(path_params.get(name), name, value or "", "path")
        except SpecViolation as bad:  # GitHub has no route for it
            raise SpecViolation(404, str(bad)) from None
    declared = op.parameters("query")
    for name, value in query.items():
        if name not in declared:
            raise SpecViolation(422, f"{method} {op.template}: unknown query parameter {name!r}")
        _check_param(declared[name], name, value, "query")
    _check_body(op, body)
    return op


def _check_param(param: dict[str, Any] | None, name: str, raw: str, where: str) -> None:
    if param is None:
        return
    schema = param.get("schema") or {}
    kind = schema.get("type")
    value: Any = raw
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            raise SpecViolation(422, f"{where} parameter {name}={raw!r} is not an integer")
        value = int(raw)
    elif kind == "boolean":
        value = {"true": True, "false": False}.get(raw, raw)
    _validate(schema, value, f"{where} parameter {name}")


def _check_body(op: Operation, body: Any) -> None:
    request_body = op.spec.get("requestBody")
    if request_body is None:
        if body not in (None, {}, ""):
            raise SpecViolation(422, f"{op.method} {op.template} takes no request body")
        return
    doc, _, _ = _document()
    content = _resolve(doc, request_body).get("content", {})
    schema = (content.get("application/json") or {}).get("schema")
    if body is None:
        if _resolve(doc, request_body).get("required"):
            raise SpecViolation(422, f"{op.method} {op.template}: a request body is required")
        return
    if schema is not None:
        _validate(schema, body, f"{op.method} {op.template} body")


def check_response(op: Operation, status: int, body: Any) -> None:
    """Raise ``SpecViolation`` when the fake answered what GitHub's description does not."""
    if op.template == "/graphql" or status == 304:
        return
    doc, _, _ = _document()
    responses = op.spec.get("responses", {})
    documented = responses.get(str(status)) or responses.get("default")
    if documented is None:
        if status < 300:
            raise SpecViolation(500, f"{op.method} {op.template} never answers {status}")
        return  # errors GitHub sends everywhere (401, 403, 429, 5xx) are not listed per path
    content = _resolve(doc, documented).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if schema is not None and body is not None:
        _validate(schema, body, f"{op.method} {op.template} response {status}")


# --------------------------------------------------------------------------- vendoring


def vendor(source: Path, routes: list[tuple[str, re.Pattern[str]]]) -> dict[str, Any]:
    """The operations of ``source`` that the fake's ``routes`` serve, with every component
    they reference, without prose (descriptions, examples)."""
    full = json.loads(source.read_text())
    paths: dict[str, Any] = {}
    for template, item in full["paths"].items():
        sample = re.sub(r"\{[^}]+\}", "1", template)
        for method, spec in item.items():
            if any(m == method.upper() and p.match(sample) for m, p in routes):
                paths.setdefault(template, {})[method] = _strip(spec)
    out = {k: full[k] for k in ("openapi", "info")}
    out["info"] = {"title": full["info"]["title"], "version": full["info"]["version"]}
    out["paths"] = paths
    components: dict[str, dict[str, Any]] = {}
    pending = _refs(paths)
    while pending:
        ref = pending.pop()
        _, section, name = ref.removeprefix("#/").split("/", 2)
        if name in components.get(section, {}):
            continue
        node = _strip(full["components"][section][name])
        components.setdefault(section, {})[name] = node
        pending |= _refs(node)
    out["components"] = {s: dict(sorted(v.items())) for s, v in sorted(components.items())}
    return out


def _strip(node: Any, names: bool = False) -> Any:
    """``node`` without prose; ``names``: the keys are property names, kept whatever they are."""
    if isinstance(node, list):
        return [_strip(x) for x in node]
    if isinstance(node, dict):
        return {
            k: _strip(v, k == "properties" and not names)
            for k, v in node.items()
            if names or k not in _DROP
        }
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                found.add(item["$ref"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


if __name__ == "__main__":
    from tests.fakes.github import _ROUTES

    subset = vendor(Path(sys.argv[1]), [(r.method, r.pattern) for r in _ROUTES])
    SPEC_FILE.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n")
    print(f"{len(subset['paths'])} paths written to {SPEC_FILE}")
