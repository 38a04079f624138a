"""GitHub's GraphQL API over the fake's state: validated and executed like GitHub.

Every query is validated against GitHub's published schema (``graphql/schema.graphql``
from the npm package ``@octokit/graphql-schema``, MIT) with graphql-core, then executed
by real resolvers over the fake's repositories (``github_graphql_nodes``), so the answer
has the query's exact shape. GitHub's own rules beyond the schema are applied too
(``github_graphql_pages``): a connection needs ``first`` or ``last``, at most 100; what
the token cannot see is null with a ``NOT_FOUND`` error, what its permissions do not
cover is null with a ``FORBIDDEN`` error (HTTP 200 either way). A query GitHub would
reject is also recorded as a spec violation, failing its test.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema, build_schema, execute, parse, validate

from tests.fakes.github_graphql_nodes import Root
from tests.fakes.github_graphql_pages import Refused

if TYPE_CHECKING:
    from tests.fakes.github import Call, FakeGitHub

SCHEMA_FILE = Path(__file__).parent / "graphql" / "schema.graphql"


@cache
def schema() -> GraphQLSchema:
    # The published SDL defines two enterprise fields twice; graphql-core's SDL check
    # refuses that, GitHub's own server does not care.
    return build_schema(SCHEMA_FILE.read_text(), assume_valid_sdl=True)


def answer(fake: FakeGitHub, c: Call) -> dict[str, Any]:
    """The GraphQL response body for the request ``c`` (always HTTP 200, like GitHub)."""
    body = c.body()
    text, variables = body.get("query"), body.get("variables") or {}
    try:
        document = parse(str(text))
    except GraphQLError as bad:
        return _rejected(fake, [bad.formatted])
    invalid = validate(schema(), document)
    if invalid:
        return _rejected(fake, [e.formatted for e in invalid])
    result = execute(schema(), document, root_value=Root(fake, c), variable_values=variables)
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        errors = []
        for error in result.errors:
            item = dict(error.formatted)
            cause = error.original_error
            if isinstance(cause, Refused):
                item["type"] = cause.kind
                if cause.rejected:
                    fake.spec_violations.append(f"GraphQL query rejected: {cause}")
            errors.append(item)
        out["errors"] = errors
    return out


def _rejected(fake: FakeGitHub, errors: list[Any]) -> dict[str, Any]:
    fake.spec_violations.append(f"GraphQL query rejected: {errors}")
    return {"errors": errors}
