"""Safety specialist and ``redact``: every secret format, near misses, paths, CI and risky code.

Secret-looking strings are assembled at run time so this file itself never contains one
(the reviewer reviews its own repository, and hosts scan pushes for keys).
"""

from __future__ import annotations

import asyncio

import pytest

from reviewer.context import Author, ChangedFile, ReviewContext
from reviewer.policy import Policy
from subagents.base import Finding, Severity
from subagents.safety import SafetyAgent, redact, scan
from subagents.secrets import mask


def added(path: str, *lines: str, start: int = 1) -> ChangedFile:
    header = f"@@ -{start - 1},0 +{start},{len(lines)} @@"
    patch = "\n".join([header, *(f"+{line}" for line in lines)])
    return ChangedFile(path=path, status="modified", additions=len(lines), patch=patch)


def make_ctx(*files: ChangedFile, policy: Policy | None = None) -> ReviewContext:
    return ReviewContext(
        source="local",
        repo="acme/widgets",
        title="Add the billing export",
        body="Adds it.",
        author=Author(login="dev"),
        base_ref="main",
        base_sha="a" * 40,
        head_sha="b" * 40,
        files=files,
        policy=policy or Policy(),
    )


def rules(findings: list[Finding]) -> dict[str, Finding]:
    return {rule: f for f in findings for rule in f.rule_ids}


AWS_ID = "AKIA" + "Z7QX3KDN5LPR2WMT"
GH_CLASSIC = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
PEM_HEAD = "-----BEGIN RSA " + "PRIVATE KEY-----"
PEM_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi4xq2Vb8nP0w1ZlHf"
PASSWORD = "Xk9#mQ2" + "$vL7pW4zR"

# (rule id, added line, the secret that must never be repeated); formats are covered
# provider by provider in test_secrets.py, this is about the findings built from them
SECRETS = [
    ("aws-access-token", f"AWS_ACCESS_KEY_ID = '{AWS_ID}'", AWS_ID),
    ("github-pat", f"token: {GH_CLASSIC}", GH_CLASSIC),
    ("ds-private-key", PEM_HEAD, PEM_HEAD),
    ("ds-keyword", f'DB_PASSWORD = "{PASSWORD}"', PASSWORD),
    ("ds-keyword", f'  "api_key": "{PASSWORD}",', PASSWORD),
]


@pytest.mark.parametrize(("rule", "line", "secret"), SECRETS)
def test_secret_is_a_blocker_that_never_repeats_the_secret(
    rule: str, line: str, secret: str
) -> None:
    findings = scan(make_ctx(added("app/settings.py", "import os", line)))
    finding = rules(findings)[f"safety.secret.{rule}"]
    assert finding.severity is Severity.blocker
    assert (finding.path, finding.start_line) == ("app/settings.py", 2)
    assert "rotate" in finding.body
    if "private-key" not in rule:  # a PEM header is public; its body is the secret
        for text in (finding.title, finding.body, finding.evidence or "", finding.fingerprint):
            assert secret not in text
        assert secret not in redact(line)
        assert secret[-12:] not in redact(line)


def test_aws_key_is_shown_in_the_documented_masked_form() -> None:
    finding = rules(scan(make_ctx(added("a.py", f"KEY = '{AWS_ID}'"))))[
        "safety.secret.aws-access-token"
    ]
    assert "AKIA************2WMT" in finding.body
    assert "gitleaks:aws-access-token" in finding.body  # which detectors agreed
    assert mask(AWS_ID, keep=4) == "AKIA************2WMT"


def test_committed_keystore_is_a_blocker_by_path() -> None:
    keystore = ChangedFile(path="deploy/signing.p12", status="added", patch=None)
    finding = rules(scan(make_ctx(keystore)))["safety.secret.pkcs12-file"]
    assert finding.severity is Severity.blocker and finding.start_line is None


def test_redact_masks_a_whole_private_key_block_and_keeps_the_rest() -> None:
    text = f"before\n{PEM_HEAD}\n{PEM_BODY}\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\nafter"
    out = redact(text)
    assert PEM_BODY[:20] not in out and out.startswith("before\n") and out.endswith("\nafter")
    escaped = f'KEY = "{PEM_HEAD}\\n{PEM_BODY}\\n{PEM_BODY}"'
    assert PEM_BODY[:20] not in redact(escaped)


def test_redact_masks_every_secret_in_a_diff_and_leaves_code_alone() -> None:
    text = "\n".join(line for _, line, _ in SECRETS) + "\nretries = 3\n"
    out = redact(text)
    for _, _, secret in SECRETS:
        if secret != PEM_HEAD:
            assert secret not in out
    assert out.endswith("retries = 3\n")
    assert redact(out) == out


def test_a_sensitive_path_is_the_gates_reason_not_also_a_finding() -> None:
    policy = Policy(sensitive_paths=("**/auth/**", "deploy/**", ".github/workflows/**"))
    ctx = make_ctx(
        added("svc/auth/login.py", "x = 1"),
        added("deploy/prod.yaml", "a: 1"),
        added(".github/workflows/ci.yml", "on: push"),
        policy=policy,
    )
    assert [f for f in scan(ctx) if f.start_line is None] == []
    # Where the policy does not cover a workflow, the safety scan still says why it matters.
    open_policy = Policy(sensitive_paths=())
    [note] = scan(make_ctx(added(".github/workflows/ci.yml", "on: push"), policy=open_policy))
    assert note.rule_ids == ["safety.workflow.changed"] and note.severity is Severity.major


def test_workflow_change_notes() -> None:
    workflow = added(
        ".github/workflows/ci.yml",
        "on: pull_request_target",
        "permissions: write-all",
        "jobs:",
        "  greet:",
        "    steps:",
        "      - run: echo ${{ github.event.pull_request.title }}",
        "      - run: |",
        '          echo "${{ github.event.issue.body }}"',
        "      - uses: actions/github-script@v7",
        "        env:",
        "          TITLE: ${{ github.event.pull_request.title }}",
    )
    found = scan(make_ctx(workflow))
    by_rule = rules(found)
    assert not [f for f in found if f.start_line is None], "the path gate says it once"
    assert by_rule["safety.workflow.pull-request-target"].start_line == 1
    assert by_rule["safety.workflow.write-all"].start_line == 2
    injections = [f.start_line for f in found if "safety.workflow.script-injection" in f.rule_ids]
    assert injections == [6, 8]  # the env: value on line 11 is the safe way


def test_workflow_hunk_starting_inside_a_run_block() -> None:
    file = ChangedFile(
        path=".github/workflows/ci.yml",
        status="modified",
        patch='@@ -20,1 +20,2 @@\n           make build\n+          echo "${{ github.head_ref }}"',
    )
    found = scan(make_ctx(file))
    assert [f.start_line for f in found if "safety.workflow.script-injection" in f.rule_ids] == [21]


def test_dependency_and_migration_paths() -> None:
    ctx = make_ctx(
        added("requirements.txt", "requests==2.32.0"),
        added("web/yarn.lock", "left-pad@1.3.0"),
        added("app/migrations/0007_drop.py", "op.drop_table('users')"),
        policy=Policy(sensitive_paths=()),
    )
    findings = scan(ctx)
    paths = {f.path: f for f in findings if f.start_line is None}
    assert paths["requirements.txt"].severity is Severity.minor
    assert paths["requirements.txt"].rule_ids == ["safety.dependency.manifest"]
    assert "safety.dependency.lockfile" in paths["web/yarn.lock"].rule_ids
    assert paths["web/yarn.lock"].severity is Severity.major
    assert "safety.migration" in paths["app/migrations/0007_drop.py"].rule_ids
    assert rules(findings)["safety.sql.destructive"].start_line == 1


@pytest.mark.parametrize(
    ("path", "lines", "rule"),
    [
        ("db/cleanup.sql", ["DROP TABLE users;"], "safety.sql.destructive"),
        ("db/cleanup.sql", ["ALTER TABLE users DROP COLUMN email;"], "safety.sql.destructive"),
        ("db/cleanup.sql", ["TRUNCATE TABLE sessions;"], "safety.sql.destructive"),
        ("db/cleanup.sql", ["DELETE FROM sessions;"], "safety.sql.delete-without-where"),
        ("app/jobs.py", ['db.execute("DELETE FROM sessions")'], "safety.sql.delete-without-where"),
        ("scripts/clean.sh", ["rm -rf /"], "safety.shell.rm-rf-root"),
        ("scripts/clean.sh", ['rm -rf "$BUILD_DIR/"*'], "safety.shell.rm-rf-root"),
        ("Dockerfile", ["RUN chmod -R 777 /app"], "safety.shell.chmod-777"),
        ("app/calc.py", ["result = eval(expr)"], "safety.py.eval"),
        ("app/calc.py", ["exec(source, env)"], "safety.py.exec"),
        ("app/cache.py", ["obj = pickle.loads(blob)"], "safety.py.pickle"),
        ("app/conf.py", ["cfg = yaml.load(fh)"], "safety.py.yaml-load"),
        ("app/run.py", ["subprocess.run(cmd, shell=True)"], "safety.py.shell-true"),
        (
            "app/run.py",
            ["subprocess.check_output(", "    cmd,", "    shell=True)"],
            "safety.py.shell-true",
        ),
    ],
)
def test_risky_lines_are_major_with_rule_ids(path: str, lines: list[str], rule: str) -> None:
    finding = rules(scan(make_ctx(added(path, *lines))))[rule]
    assert finding.severity is Severity.major and finding.path == path and finding.start_line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("db/cleanup.sql", "DELETE FROM sessions WHERE expires_at < now();"),
        ("scripts/clean.sh", "rm -rf ./build/"),
        ("scripts/clean.sh", 'rm -rf "${BUILD_DIR:?}/out"'),
        ("app/calc.py", "value = ast.literal_eval(text)"),
        ("app/model.py", "model.eval()"),
        ("app/conf.py", "cfg = yaml.load(fh, Loader=yaml.SafeLoader)"),
        ("app/conf.py", "cfg = yaml.safe_load(fh)"),
        ("app/run.py", "subprocess.run(['ls', '-l'], check=True)"),
        ("app/run.py", "# never use eval( here"),
        ("tests/test_calc.py", "assert eval('1+1') == 2"),
        ("docs/sql.md", "DROP TABLE is dangerous"),
    ],
)
def test_safe_lines_do_not_fire(path: str, line: str) -> None:
    assert scan(make_ctx(added(path, line))) == []


def test_multi_line_delete_with_where_is_fine() -> None:
    lines = ["DELETE FROM sessions", "WHERE expires_at < now();"]
    assert "safety.sql.delete-without-where" not in rules(scan(make_ctx(added("a.sql", *lines))))


def test_agent_report_summarises_rules_and_skips_model_part() -> None:
    ctx = make_ctx(added("app/settings.py", f"KEY = '{AWS_ID}'"))
    report = asyncio.run(SafetyAgent().run(ctx, None))
    assert report.recommendation == "human" and report.status.value == "skipped"
    assert "safety.secret.aws-access-token x1" in report.rationale
    assert AWS_ID not in report.model_dump_json()
