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
from subagents.secrets import find_secrets, mask


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


AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS documentation example
GH_CLASSIC = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
GH_OAUTH = "gho_" + "9xZ2mQ7vB3nL8kP4wR6tY1uI5oA0sD2fG3hJ"
GH_PAT = (
    "github_pat_"
    + "11ABCDEFG0"
    + "a1B2c3D4e5F6g7H8i9J0_"
    + "k1L2m3N4o5P6q7R8s9T0u1V2w3X4y5Z6a7B8c9D0e1F2g3H4i5J6k7L"
)
SLACK = "xoxb-" + "2345678901-2345678901234-AbCdEfGhIjKlMnOpQrStUvWx"
STRIPE = "sk_live_" + "51H8xYzAbCdEfGhIjKlMnOpQr"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
PEM_HEAD = "-----BEGIN RSA " + "PRIVATE KEY-----"
PEM_BODY = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi4xq2Vb8nP0w1ZlHf"
PASSWORD = "Xk9#mQ2" + "$vL7pW4zR"

# (rule id, added line, the secret that must never be repeated)
SECRETS = [
    ("aws-access-key-id", f"AWS_ACCESS_KEY_ID = '{AWS_ID}'", AWS_ID),
    ("aws-secret-access-key", f'aws_secret_access_key = "{AWS_SECRET}"', AWS_SECRET),
    ("private-key", PEM_HEAD, PEM_HEAD),
    ("github-token", f"token: {GH_CLASSIC}", GH_CLASSIC),
    ("github-token", f"export GH={GH_OAUTH}", GH_OAUTH),
    ("github-fine-grained-token", f"GITHUB_TOKEN={GH_PAT}", GH_PAT),
    ("slack-token", f'slack = Client("{SLACK}")', SLACK),
    ("stripe-live-key", f"stripe.api_key = '{STRIPE}'", STRIPE),
    ("google-api-key", f"const key = '{GOOGLE}';", GOOGLE),
    ("generic-secret", f'DB_PASSWORD = "{PASSWORD}"', PASSWORD),
    ("generic-secret", f'  "api_key": "{PASSWORD}",', PASSWORD),
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
    if rule != "private-key":  # a PEM header is public; its body is the secret
        for text in (finding.title, finding.body, finding.evidence or "", finding.fingerprint):
            assert secret not in text
        assert secret not in redact(line)
        assert secret[-12:] not in redact(line)


def test_aws_key_is_shown_in_the_documented_masked_form() -> None:
    finding = rules(scan(make_ctx(added("a.py", f"KEY = '{AWS_ID}'"))))[
        "safety.secret.aws-access-key-id"
    ]
    assert "AKIA************MPLE" in finding.body
    assert mask(AWS_ID, keep=4) == "AKIA************MPLE"


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


@pytest.mark.parametrize(
    "line",
    [
        'password = "changeme"',
        'PASSWORD = "<your-password>"',
        'api_key = "${API_KEY}"',
        'token = "{{ secrets.TOKEN }}"',
        'secret = "xxxxxxxxxxxxxxxx"',
        'password = "********"',
        'api_key = "your-api-key-here"',
        'TOKEN_URL = "https://auth.example.com/oauth/token"',
        'token_type = "Bearer"',
        'password_field = "password_input"',
        "password = os.environ['DB_PASSWORD']",
        'secret_name = "prod/db/credentials"',
        'api_key = "aaaaaaaaaaaaaaaaaaaa"',
        "AKIA1234",
        "xoxb-short",
        "sk_test_" + "51H8xYzAbCdEfGhIjKlMnOpQr",
        "ghp_tooShort123",
        "# BEGIN PRIVATE KEY handling below",
    ],
)
def test_placeholders_and_near_misses_do_not_fire(line: str) -> None:
    assert find_secrets(line) == []
    assert redact(line) == line


def test_sensitive_paths_from_policy_are_major() -> None:
    policy = Policy(sensitive_paths=("**/auth/**", "deploy/**"))
    ctx = make_ctx(
        added("svc/auth/login.py", "x = 1"), added("deploy/prod.yaml", "a: 1"), policy=policy
    )
    findings = [f for f in scan(ctx) if "safety.sensitive-path" in f.rule_ids]
    assert [f.path for f in findings] == ["svc/auth/login.py", "deploy/prod.yaml"]
    assert all(f.severity is Severity.major and f.start_line is None for f in findings)
    assert "'**/auth/**'" in findings[0].body
    assert (
        scan(make_ctx(added("svc/auth/login.py", "x = 1"), policy=Policy(sensitive_paths=()))) == []
    )


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
    assert {"safety.sensitive-path", "safety.workflow.changed"} <= set(by_rule)
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
    assert "safety.secret.aws-access-key-id x1" in report.rationale
    assert AWS_ID not in report.model_dump_json()
