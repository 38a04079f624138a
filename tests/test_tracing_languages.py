"""JavaScript/TypeScript, Go and Java: query snapshots and cross-file resolution."""

from __future__ import annotations

import pytest

from subagents.tracing.facts import extract
from subagents.tracing.query import trace_symbol
from subagents.tracing.source import GitTreeSource
from tests.conftest import GitRepo
from tests.test_tracing_python import snapshot

JS = b"""import d, {a as b} from './util';
import * as ns from "../lib/x";
const {p} = require('./pq');
export default function main() { return <Widget x={1}/>; }
export class K extends Base {
  m(x) { this.n(); super.m(); ns.f(); const y = new Bar(); y.h(); }
  n = () => 1;
}
"""
TS = b"""import {Svc} from './svc';
export abstract class A extends B<T> implements I {
  run(s: Svc): void { s.go(); }
}
const x: Svc = make();
"""
GO = b"""package util

import h "example.com/app/internal/helpers"

type Server struct{}

func (s *Server) Handle() {
    h.Do(1)
    c := &Client{}
    c.Send()
}
"""
JAVA = b"""package com.acme;

import com.acme.util.Helper;

public class Service extends Base implements Runner {
    private Repo repo;
    public void run(Request req) {
        Helper.assist(req);
        validate(req);
        this.repo.flush();
    }
}
"""


@pytest.mark.parametrize(
    ("language", "source", "expected"),
    [
        ("javascript", JS, [
            "def function main@4 bases=[] deco=[]",
            "def class K@5 bases=['Base'] deco=[]",
            "def method K.m@6 bases=[] deco=[]",
            "def method K.n@7 bases=[] deco=[]",
            "ref call -.require in None@3",
            "ref call -.Widget in main@4",
            "ref call -.Bar in K.m@6",
            "ref call ns.f in K.m@6",
            "ref call y.h in K.m@6",
            "ref call super.m in K.m@6",
            "ref call this.n in K.m@6",
            "import ./util:default:d:False@1",
            "import ./util:a:b:False@1",
            "import ../lib/x:None:ns:False@2",
            "import ./pq:p:None:False@3",
            "import :main:default:False@4",
            "bind K.m x:",
            "bind K.m y:Bar",
        ]),
        ("typescript", TS, [
            "def class A@2 bases=['B'] deco=[]",
            "def method A.run@3 bases=[] deco=[]",
            "ref call s.go in A.run@3",
            "ref call -.make in None@5",
            "import ./svc:Svc:None:False@1",
            "bind A.run s:Svc",
            "bind None x:Svc",
        ]),
        ("go", GO, [
            "def class Server@5 bases=[] deco=[]",
            "def method Server.Handle@7 bases=[] deco=[]",
            "ref call h.Do in Server.Handle@8",
            "ref call -.Client in Server.Handle@9",
            "ref call c.Send in Server.Handle@10",
            "import example.com/app/internal/helpers:None:h:False@3",
            "bind Server.Handle s:Server",
            "bind Server.Handle s:Server",
            "bind Server.Handle c:Client",
        ]),
        ("java", JAVA, [
            "def class Service@5 bases=['Base', 'Runner'] deco=[]",
            "def method Service.run@7 bases=[] deco=[]",
            "ref call Helper.assist in Service.run@8",
            "ref value -.req in Service.run@8",
            "ref value -.req in Service.run@9",
            "ref call -.validate in Service.run@9",
            "ref call this.repo.flush in Service.run@10",
            "ref attribute this.repo in Service.run@10",
            "import com.acme.util.Helper:None:None:False@3",
            "bind Service repo:Repo",
            "bind Service.run req:Request",
        ]),
    ],
)  # fmt: skip
def test_query_snapshot(language: str, source: bytes, expected: list[str]) -> None:
    assert snapshot(extract(language, source)) == expected


FILES = {
    "web/util.ts": (
        "export function helper(x: number): number {\n  return x + 1;\n}\n"
        "export class Store {\n  save(v: number) { return helper(v); }\n}\n"
    ),
    "web/app.js": (
        "import { helper as h } from './util';\nimport * as u from './util';\n"
        "const { Store } = require('./util');\n\nexport function run() {\n"
        "  h(1);\n  u.helper(2);\n  const s = new Store();\n  s.save(3);\n}\n"
    ),
    "go/util/util.go": (
        "package util\n\ntype Server struct{}\n\n"
        "func (s *Server) Handle() int { return Helper() }\n\nfunc Helper() int { return 1 }\n"
    ),
    "go/util/more.go": "package util\n\nfunc Other() int { return Helper() }\n",
    "go/cmd/main.go": (
        'package main\n\nimport u "example.com/app/go/util"\n\n'
        "func main() {\n    u.Helper()\n    s := &u.Server{}\n    s.Handle()\n}\n"
    ),
    "java/com/acme/util/Helper.java": (
        "package com.acme.util;\n\npublic class Helper {\n"
        "    public static int assist(int x) { return x; }\n"
        "    public int work() { return assist(1); }\n}\n"
    ),
    "java/com/acme/Service.java": (
        "package com.acme;\n\nimport com.acme.util.Helper;\n\npublic class Service {\n"
        "    private Helper helper;\n    public void run() {\n        Helper.assist(2);\n"
        "        helper.work();\n        Helper h = new Helper();\n        h.work();\n    }\n}\n"
    ),
}


@pytest.mark.parametrize(
    ("symbol", "callers"),
    [
        ("web.util.helper", {("web/app.js", 6): 0.9, ("web/app.js", 7): 0.9,
                             ("web/util.ts", 5): 0.9}),
        ("web.util.Store.save", {("web/app.js", 9): 0.85}),
        ("go.util.Helper", {("go/cmd/main.go", 6): 0.9, ("go/util/more.go", 3): 0.9,
                            ("go/util/util.go", 5): 0.9}),
        ("go.util.Server.Handle", {("go/cmd/main.go", 8): 0.85}),
        ("com.acme.util.Helper.assist", {("java/com/acme/Service.java", 8): 0.9,
                                         ("java/com/acme/util/Helper.java", 5): 0.9}),
        ("com.acme.util.Helper.work", {("java/com/acme/Service.java", 9): 0.85,
                                       ("java/com/acme/Service.java", 11): 0.85}),
        ("com.acme.util.Helper", {("java/com/acme/Service.java", 10): 0.9}),
    ],
)  # fmt: skip
def test_cross_file_callers(
    git_repo: GitRepo, symbol: str, callers: dict[tuple[str, int], float]
) -> None:
    git_repo.commit("polyglot", FILES)
    trace = trace_symbol(GitTreeSource(git_repo.path), symbol, cache=False)
    found = {
        (e.path, e.line): e.confidence for e in trace.edges if e.kind == "caller" and e.hops == 1
    }
    assert found == callers
