"""Go callers through the forms gopls resolves: the module path of ``go.mod``, embedded
structs and locals holding a call's result, interfaces implemented implicitly.

Each test is a small repository traced through ``trace_symbol``, the CLI's entry point.
"""

from __future__ import annotations

from tests.conftest import GitRepo
from tests.test_tracing_typescript import sure_callers

AST = (
    "package ast\n\n"  # 1-2
    "type Node interface {\n\tKind() int\n\tParent() Node\n}\n\n"  # 3-7
    "type BaseNode struct {\n\tparent Node\n}\n\n"  # 8-11
    "func (n *BaseNode) Parent() Node {\n\treturn n.parent\n}\n\n"  # 12-15
    "type Heading struct {\n\tBaseNode\n\tLevel int\n}\n\n"  # 16-20
    "func (h *Heading) Kind() int {\n\treturn 1\n}\n\n"  # 21-24
    "func NewHeading() *Heading {\n\treturn &Heading{}\n}\n"  # 25-27
)
USE = (
    "package render\n\n"  # 1-2
    'import (\n\t"example.com/md"\n\t"example.com/md/ast"\n)\n\n'  # 3-7
    "func Render(n ast.Node) int {\n"  # 8
    "\th := ast.NewHeading()\n"  # 9
    "\th.Parent()\n"  # 10: promoted from the embedded BaseNode
    "\tmd.Convert()\n"  # 11: the module's root package
    "\treturn n.Kind()\n"  # 12: through the interface
    "}\n"
)


FILES = {"go.mod": "module example.com/md\n\ngo 1.19\n", "ast/ast.go": AST,
         "md.go": "package md\n\nfunc Convert() int {\n\treturn 0\n}\n",
         "render/render.go": USE}  # fmt: skip


def test_module_path_names_the_root_package(git_repo: GitRepo) -> None:
    """``example.com/md`` is the repository's root folder, the module ``go.mod`` names
    (no folder's path ends with the import path)."""
    assert sure_callers(git_repo, FILES, "md.Convert") == {("render/render.go", 11)}


def test_methods_promoted_from_embedded_structs(git_repo: GitRepo) -> None:
    """``h := ast.NewHeading()`` holds a ``*Heading``, whose ``Parent`` is promoted from
    the embedded ``BaseNode``."""
    assert sure_callers(git_repo, FILES, "ast.BaseNode.Parent") == {("render/render.go", 10)}


def test_calls_through_an_interface_reach_implementations(git_repo: GitRepo) -> None:
    """``n.Kind()`` on the ``Node`` interface reaches ``Heading.Kind``: ``Heading`` has
    every method ``Node`` declares (its own ``Kind``, the promoted ``Parent``)."""
    assert sure_callers(git_repo, FILES, "ast.Heading.Kind") == {("render/render.go", 12)}
