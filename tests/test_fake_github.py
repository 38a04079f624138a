"""Tests of the fake GitHub itself, driven through the real PyGithub SDK and httpx."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import github
import httpx
import jwt
import pytest
from github import Auth, GithubException, GithubIntegration
from github.ContentFile import ContentFile
from github.Repository import Repository

from tests.fakes import FakeGitHub, SwappableApp, generate_app_keypair, parse_patch, running

APP_ID = 4242
INSTALLATION = 77
REPO = "acme/widgets"

OLD_APP = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
NEW_APP = (
    "def add(a, b):\n    return a + b + 0\n\n\ndef sub(a, b):\n    return a - b\n"
    "\n\ndef mul(a, b):\n    return a * b\n"
)


@pytest.fixture(scope="module")
def app_keys() -> tuple[str, str]:
    return generate_app_keypair()


@dataclass
class Env:
    fake: FakeGitHub
    api: str
    private_pem: str

    def integration(self, private_pem: str | None = None) -> GithubIntegration:
        # PyGithub sleeps 0.25 s between requests and 1 s between writes by default.
        return GithubIntegration(
            auth=Auth.AppAuth(APP_ID, private_pem or self.private_pem),
            base_url=self.api,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

    def token(self, **kwargs) -> str:
        return self.integration().get_access_token(INSTALLATION, **kwargs).token

    def client(self, token: str | None = None, **kwargs) -> github.Github:
        return github.Github(
            auth=Auth.Token(token or self.token()),
            base_url=self.api,
            seconds_between_requests=None,
            seconds_between_writes=None,
            **kwargs,
        )

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"token {token or self.token()}"}
        return httpx.Client(base_url=self.api, headers=headers, timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[SwappableApp, str]]:
    """One loopback server for the module; each test mounts a fresh fake into it."""
    slot = SwappableApp()
    with running(slot) as origin:
        yield slot, origin


@pytest.fixture
def env(app_keys: tuple[str, str], server: tuple[SwappableApp, str]) -> Iterator[Env]:
    private_pem, public_pem = app_keys
    slot, origin = server
    fake = FakeGitHub(app_id=APP_ID, public_key=public_pem, app_slug="pr-reviewer")
    fake.add_installation(INSTALLATION, "acme")
    fake.add_repo(
        REPO,
        files={"README.md": "# widgets\n", ".github/reviewer.yml": "auto_approve: false\n"},
        collaborators={"alice": "write", "carol": "read", "dave": "maintain"},
    )
    fake.add_user("mallory")
    fake.add_pull_from_contents(
        REPO,
        1,
        old={"app.py": OLD_APP, "gone.txt": "bye\n"},
        new={"app.py": NEW_APP, "gone.txt": None, "docs/new.md": "hello\nworld\n"},
        title="Add mul",
        body="Adds mul.",
        author="bob",
    )
    slot.app = fake.app
    yield Env(fake, origin + "/api/v3", private_pem)
    slot.app = None


def _file(repo: Repository, path: str, **kwargs: str) -> ContentFile:
    got = repo.get_contents(path, **kwargs)
    assert isinstance(got, ContentFile)
    return got


def _jwt(private_pem: str, **claims) -> str:
    now = int(time.time())
    payload = {"iat": now - 60, "exp": now + 300, "iss": str(APP_ID), **claims}
    # PyJWS signs any payload (PyJWT's encode refuses a non-string iss, GitHub accepts it).
    return jwt.PyJWS().encode(json.dumps(payload).encode(), private_pem, algorithm="RS256")


# --------------------------------------------------------------------------- auth


def test_app_jwt_mints_installation_token(env: Env) -> None:
    gi = env.integration()
    auth = gi.get_access_token(INSTALLATION)
    assert auth.token.startswith("ghs_")
    assert auth.expires_at.timestamp() > time.time() + 3000
    assert gi.get_app().slug == "pr-reviewer"
    assert gi.get_repo_installation("acme", "widgets").id == INSTALLATION
    assert gi.get_app_installation(INSTALLATION).id == INSTALLATION
    (mint,) = env.fake.calls("POST", "/access_tokens")
    assert mint.status == 201 and mint.auth == "jwt"
    assert mint.path == f"/app/installations/{INSTALLATION}/access_tokens"
    assert mint.headers["authorization"].startswith("Bearer ")
    # The minted token works through PyGithub's installation client too.
    gh = gi.get_github_for_installation(INSTALLATION)
    assert gh.get_repo(REPO).default_branch == "main"


def test_bad_jwts_get_401(env: Env) -> None:
    other_private, _ = generate_app_keypair()
    wrong_key = env.integration(other_private)
    with pytest.raises(GithubException) as err:
        wrong_key.get_access_token(INSTALLATION)
    assert err.value.status == 401
    assert set(err.value.data) >= {"message", "documentation_url"}

    now = int(time.time())
    bad = {
        "wrong app": _jwt(env.private_pem, iss="999"),
        "expired": _jwt(env.private_pem, iat=now - 900, exp=now - 300),
        "too long": _jwt(env.private_pem, exp=now + 3600),
        "from the future": _jwt(env.private_pem, iat=now + 600, exp=now + 900),
        "garbage": "not-a-jwt",
    }
    with httpx.Client(base_url=env.api) as http:
        for name, token in bad.items():
            r = http.post(
                f"/app/installations/{INSTALLATION}/access_tokens",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 401, name
        assert http.get("/app").status_code == 401
        good = _jwt(env.private_pem, iss=APP_ID)  # int iss is accepted too
        assert http.get("/app", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        # An installation token is not a JWT, and a JWT is not an installation token.
        token = env.token()
        assert http.get("/app", headers={"Authorization": f"token {token}"}).status_code == 401
        r = http.get(f"/repos/{REPO}", headers={"Authorization": f"Bearer {good}"})
        assert r.status_code == 401 and r.json()["message"] == "Bad credentials"
        r = http.post(
            "/app/installations/999/access_tokens", headers={"Authorization": f"Bearer {good}"}
        )
        assert r.status_code == 404


def test_expired_token_gets_401_then_a_fresh_one_works(env: Env) -> None:
    token = env.token()
    gh = env.client(token, retry=None)
    assert gh.get_repo(REPO).full_name == REPO
    env.fake.expire_all_tokens()
    with pytest.raises(github.BadCredentialsException) as err:
        gh.get_repo(REPO)
    assert err.value.status == 401
    assert err.value.data["message"] == "Bad credentials"
    fresh = env.token()
    assert fresh != token
    assert env.client(fresh).get_repo(REPO).full_name == REPO
    assert len(env.fake.tokens()) == 2


def test_short_token_lifetime_is_reported_and_enforced(env: Env) -> None:
    env.fake.token_lifetime = 1
    auth = env.integration().get_access_token(INSTALLATION)
    assert auth.expires_at.timestamp() <= time.time() + 2
    time.sleep(1.1)
    with env.http(auth.token) as http:
        assert http.get(f"/repos/{REPO}").status_code == 401


def test_token_cannot_see_other_repos_or_exceed_permissions(env: Env) -> None:
    env.fake.add_repo("other/thing")
    env.fake.add_installation(88, "scoped", permissions={"metadata": "read", "contents": "read"})
    env.fake.add_repo("scoped/repo")
    env.fake.add_pull(
        "scoped/repo", 1, files=[{"filename": "a.py", "patch": "@@ -1 +1 @@\n-a\n+b"}]
    )
    with env.http() as http:
        assert http.get("/repos/other/thing").status_code == 404
        assert http.get("/repos/acme/nope").status_code == 404
    scoped = env.integration().get_access_token(88).token
    head = env.fake.pull("scoped/repo", 1).head_sha
    with env.http(scoped) as http:
        assert http.get("/repos/scoped/repo").status_code == 200
        r = http.post("/repos/scoped/repo/check-runs", json={"name": "x", "head_sha": head})
        assert r.status_code == 403
        assert r.json()["message"] == "Resource not accessible by integration"
    with httpx.Client(base_url=env.api) as http:
        good = _jwt(env.private_pem)
        r = http.post(
            "/app/installations/88/access_tokens",
            headers={"Authorization": f"Bearer {good}"},
            json={"permissions": {"checks": "write"}},
        )
        assert r.status_code == 422


# --------------------------------------------------------------------------- reads


def test_pull_request_shape(env: Env) -> None:
    repo = env.client().get_repo(REPO)
    pull = repo.get_pull(1)
    assert pull.title == "Add mul" and pull.body == "Adds mul."
    assert pull.user.login == "bob" and pull.user.type == "User"
    assert pull.head.sha == env.fake.pull(REPO, 1).head_sha
    assert pull.base.ref == "main" and pull.base.repo.full_name == REPO
    assert pull.draft is False and pull.state == "open"
    assert pull.raw_data["author_association"] == "CONTRIBUTOR"
    files = {f.filename: f for f in pull.get_files()}
    assert set(files) == {"app.py", "docs/new.md", "gone.txt"}
    assert files["gone.txt"].status == "removed" and files["docs/new.md"].status == "added"
    assert files["app.py"].additions == 5 and files["app.py"].deletions == 1
    assert files["app.py"].patch.startswith("@@ -1,6 +1,10 @@")
    commits = list(pull.get_commits())
    assert [c.sha for c in commits] == [pull.head.sha]
    assert commits[0].commit.message == "Add mul"


def test_pr_files_are_paginated_with_link_headers(env: Env) -> None:
    files = [
        {"filename": f"src/f{i:03}.py", "status": "added", "patch": f"@@ -0,0 +1 @@\n+x = {i}"}
        for i in range(250)
    ]
    env.fake.add_pull(REPO, 2, files=files)
    pull = env.client().get_repo(REPO).get_pull(2)
    got = [f.filename for f in pull.get_files()]
    assert got == [f["filename"] for f in files]
    pages = env.fake.calls("GET", "/pulls/2/files")
    assert len(pages) == 9  # default per_page=30

    with env.http() as http:
        r = http.get(f"/repos/{REPO}/pulls/2/files", params={"per_page": 100})
        links = r.links
        assert len(r.json()) == 100
        assert set(links) == {"next", "last"}
        assert links["next"]["url"].startswith(env.api + f"/repos/{REPO}/pulls/2/files?")
        assert "page=2" in links["next"]["url"] and "per_page=100" in links["next"]["url"]
        assert "page=3" in links["last"]["url"]
        r = http.get(links["next"]["url"])
        assert set(r.links) == {"prev", "next", "last", "first"}
        assert "page=1" in r.links["first"]["url"] and "page=1" in r.links["prev"]["url"]
        r = http.get(r.links["next"]["url"])
        assert len(r.json()) == 50 and set(r.links) == {"prev", "first"}
        r = http.get(f"/repos/{REPO}/pulls/2/files", params={"per_page": 500})
        assert len(r.json()) == 100  # capped like GitHub


def test_pr_files_listing_is_capped_at_3000(env: Env) -> None:
    many = [{"filename": f"f{i}", "patch": None} for i in range(3100)]
    env.fake.add_pull(REPO, 3, files=many)
    with env.http() as http:
        r = http.get(f"/repos/{REPO}/pulls/3/files", params={"per_page": 100, "page": 30})
        assert len(r.json()) == 100 and "next" not in r.links
        assert "patch" not in r.json()[0]  # binary/too large: no patch key
        r = http.get(f"/repos/{REPO}/pulls/3/files", params={"per_page": 100, "page": 31})
        assert r.json() == []
        assert http.get(f"/repos/{REPO}/pulls/3").json()["changed_files"] == 3100


def test_contents_blobs_trees_and_commits(env: Env) -> None:
    repo = env.client().get_repo(REPO)
    policy = _file(repo, ".github/reviewer.yml", ref="main")
    assert policy.decoded_content == b"auto_approve: false\n"
    head = env.fake.pull(REPO, 1).head_sha
    assert _file(repo, "app.py", ref=head).decoded_content.decode() == NEW_APP
    assert _file(repo, "app.py").decoded_content.decode() == OLD_APP  # base = main
    with pytest.raises(GithubException) as err:
        repo.get_contents("missing.txt")
    assert err.value.status == 404
    listing = repo.get_contents("", ref=head)
    assert isinstance(listing, list)
    assert {c.path for c in listing} >= {"app.py", "docs", "README.md", ".github"}

    blob_sha = next(f.sha for f in repo.get_pull(1).get_files() if f.filename == "app.py")
    assert base64.b64decode(repo.get_git_blob(blob_sha).content).decode() == NEW_APP
    tree = repo.get_git_tree(head, recursive=True)
    paths = {e.path: e.type for e in tree.tree}
    assert paths["docs"] == "tree" and paths["docs/new.md"] == "blob"
    assert "gone.txt" not in paths
    top = repo.get_git_tree(head)
    assert "docs/new.md" not in {e.path for e in top.tree}
    sub = repo.get_git_tree(next(e.sha for e in top.tree if e.path == "docs"))
    assert [e.path for e in sub.tree] == ["new.md"]

    assert repo.get_commit(head).sha == head
    assert repo.get_commit("main").sha == env.fake.repo(REPO).branches["main"]
    with pytest.raises(GithubException) as err:
        repo.get_commit("f" * 40)
    assert err.value.status == 422


def test_collaborator_permission(env: Env) -> None:
    repo = env.client().get_repo(REPO)
    assert repo.get_collaborator_permission("alice") == "write"
    assert repo.get_collaborator_permission("dave") == "write"  # maintain -> write (legacy)
    assert repo.get_collaborator_permission("acme") == "admin"
    assert repo.get_collaborator_permission("mallory") == "none"
    with env.http() as http:
        r = http.get(f"/repos/{REPO}/collaborators/dave/permission").json()
        assert r["role_name"] == "maintain" and r["user"]["login"] == "dave"
        assert http.get(f"/repos/{REPO}/collaborators/nobody/permission").status_code == 404


# --------------------------------------------------------------------------- reviews


def test_review_with_valid_inline_comments_is_accepted(env: Env) -> None:
    repo = env.client().get_repo(REPO)
    pull = repo.get_pull(1)
    head = repo.get_commit(pull.head.sha)
    pm = env.fake.patch_map(REPO, 1, "app.py")
    assert 2 in pm.right and 9 in pm.right and 2 in pm.left  # "+ 0" line and new mul()
    review = pull.create_review(
        commit=head,
        body="Looks fine.",
        event="COMMENT",
        comments=[
            {"path": "app.py", "line": 9, "side": "RIGHT", "body": "new function"},
            {"path": "app.py", "line": 2, "side": "LEFT", "body": "old line"},
            {"path": "app.py", "start_line": 8, "line": 10, "body": "range"},
            {"path": "docs/new.md", "line": 1, "body": "default side is RIGHT"},
        ],
    )
    assert review.state == "COMMENTED" and review.user.login == "pr-reviewer[bot]"
    assert review.commit_id == pull.head.sha
    (stored,) = env.fake.reviews(REPO, 1)
    assert stored["body"] == "Looks fine."
    comments = {c.body: c for c in pull.get_review_comments()}
    assert comments["new function"].line == 9 and comments["new function"].side == "RIGHT"
    assert comments["old line"].side == "LEFT"
    assert comments["range"].start_line == 8
    assert comments["default side is RIGHT"].side == "RIGHT"
    assert comments["new function"].diff_hunk.startswith("@@")
    assert {c.pull_request_review_id for c in comments.values()} == {review.id}
    assert [r.state for r in pull.get_reviews()] == ["COMMENTED"]
    # Body-only approve is fine too.
    assert pull.create_review(commit=head, body="ok", event="APPROVE").state == "APPROVED"


@pytest.mark.parametrize(
    ("comment", "error"),
    [
        ({"path": "app.py", "line": 40, "body": "off the diff"}, "Line could not be resolved"),
        ({"path": "app.py", "line": 9, "side": "LEFT", "body": "wrong side"}, None),
        ({"path": "README.md", "line": 1, "body": "file not in PR"}, "Path could not be resolved"),
        ({"path": "app.py", "start_line": 30, "line": 9, "body": "bad start"}, None),
        ({"path": "app.py", "start_line": 9, "line": 8, "body": "backwards"}, None),
    ],
)
def test_review_with_comment_off_the_diff_gets_422(env: Env, comment, error) -> None:
    pull = env.client(retry=None).get_repo(REPO).get_pull(1)
    with pytest.raises(GithubException) as err:
        pull.create_review(body="x", event="COMMENT", comments=[comment])
    assert err.value.status == 422
    assert err.value.data["message"] == "Unprocessable Entity"
    if error:
        assert err.value.data["errors"] == [error]
    assert env.fake.reviews(REPO, 1) == []  # nothing half-posted
    assert env.fake.review_comments(REPO, 1) == []


def test_review_validation_of_event_body_and_commit(env: Env) -> None:
    with env.http() as http:
        url = f"/repos/{REPO}/pulls/1/reviews"
        assert http.post(url, json={"event": "REQUEST_CHANGES"}).status_code == 422
        assert http.post(url, json={"event": "LGTM", "body": "x"}).status_code == 422
        r = http.post(url, json={"event": "COMMENT", "body": "x", "commit_id": "a" * 40})
        assert r.status_code == 422
        assert http.post(url, json={"event": "COMMENT", "body": "x" * 70000}).status_code == 422
        assert http.post(f"/repos/{REPO}/pulls/99/reviews", json={"body": "x"}).status_code == 404
        r = http.post(url, json={"event": "REQUEST_CHANGES", "body": "fix it"})
        assert r.status_code == 200 and r.json()["state"] == "CHANGES_REQUESTED"
    (bad_event,) = env.fake.take_spec_violations()  # "LGTM" is no event of GitHub's
    assert "'LGTM' is not one of" in bad_event


def test_push_moves_the_head_and_recomputes_files(env: Env) -> None:
    old_head = env.fake.pull(REPO, 1).head_sha
    new_head = env.fake.push(REPO, 1, {"app.py": OLD_APP, "docs/new.md": "hello\n"})
    pull = env.client().get_repo(REPO).get_pull(1)
    assert pull.head.sha == new_head != old_head
    assert [c.sha for c in pull.get_commits()] == [old_head, new_head]
    files = {f.filename: f for f in pull.get_files()}
    assert set(files) == {"docs/new.md", "gone.txt"}  # app.py is back to its base content
    assert files["docs/new.md"].patch == "@@ -0,0 +1 @@\n+hello"
    content = _file(env.client().get_repo(REPO), "docs/new.md", ref=new_head)
    assert content.decoded_content == b"hello\n"


def test_seeded_human_review_and_dismissal(env: Env) -> None:
    env.fake.add_review(REPO, 1, user="alice", state="APPROVED")
    pull = env.client().get_repo(REPO).get_pull(1)
    (review,) = pull.get_reviews()
    assert review.user.login == "alice" and review.state == "APPROVED"
    review.dismiss("new push")
    assert env.fake.reviews(REPO, 1)[0]["state"] == "DISMISSED"


def test_patch_parser() -> None:
    pm = parse_patch("@@ -1,3 +1,3 @@ def f():\n a\n-b\n+B\n c\n@@ -10 +10,2 @@\n x\n+y")
    assert sorted(pm.right) == [1, 2, 3, 10, 11]
    assert sorted(pm.left) == [1, 2, 3, 10]
    assert pm.hunk_of[pm.right[11]] == 1
    assert pm.positions[3] == pm.right[2]  # position counts lines below the first header
    assert pm.positions[6] == pm.right[10]  # the second header counts as a position
    assert parse_patch(None).right == {}


# --------------------------------------------------------------------------- checks


def test_check_run_create_update_and_list(env: Env) -> None:
    repo = env.client(retry=None).get_repo(REPO)
    sha = env.fake.pull(REPO, 1).head_sha
    run = repo.create_check_run(
        name="reviewer/approval",
        head_sha=sha,
        status="in_progress",
        output={"title": "Reviewing", "summary": "Six sub-agents at work."},
    )
    assert run.status == "in_progress" and run.conclusion is None
    assert run.url.startswith(env.api)
    run.edit(
        status="completed",
        conclusion="action_required",
        details_url="https://example.com/r/1",
        output={"title": "Needs a human", "summary": "safety: migration touched"},
    )
    (stored,) = env.fake.check_runs(REPO)
    assert stored["conclusion"] == "action_required" and stored["status"] == "completed"
    assert stored["output"]["title"] == "Needs a human" and stored["completed_at"]
    listed = list(repo.get_commit(sha).get_check_runs())
    assert [(c.name, c.conclusion) for c in listed] == [("reviewer/approval", "action_required")]
    assert listed[0].pull_requests[0].number == 1

    with pytest.raises(GithubException) as err:
        repo.create_check_run(name="x", head_sha=sha, status="completed")
    assert err.value.status == 422
    with pytest.raises(GithubException) as err:
        repo.create_check_run(name="x", head_sha=sha, conclusion="approved")
    assert err.value.status == 422
    with pytest.raises(GithubException) as err:
        repo.create_check_run(name="x", head_sha="0" * 40)
    assert err.value.status == 422
    with pytest.raises(GithubException) as err:
        repo.create_check_run(name="x", head_sha=sha, output={"title": "no summary"})
    assert err.value.status == 422
    with pytest.raises(GithubException) as err:
        run.edit(status="completed", conclusion="bogus")
    assert err.value.status == 422
    rejected_by_spec = env.fake.take_spec_violations()
    assert [v.split(" body: ")[1].split(":")[0] for v in rejected_by_spec] == [
        "conclusion",
        "output",
        "conclusion",
    ]
    assert env.fake.check_runs(REPO)[0]["conclusion"] == "action_required"  # unchanged
    # A conclusion alone completes the run.
    run2 = repo.create_check_run(name="other", head_sha=sha, conclusion="success")
    assert run2.status == "completed"


def test_combined_status(env: Env) -> None:
    sha = env.fake.pull(REPO, 1).head_sha
    repo = env.client().get_repo(REPO)
    assert repo.get_commit(sha).get_combined_status().state == "pending"
    env.fake.add_status(REPO, sha, context="ci/tests", state="success")
    assert repo.get_commit(sha).get_combined_status().state == "success"
    env.fake.add_status(REPO, sha, context="ci/lint", state="failure")
    combined = repo.get_commit(sha).get_combined_status()
    assert combined.state == "failure" and combined.total_count == 2


# --------------------------------------------------------------------------- issues


def test_labels(env: Env) -> None:
    pull = env.client(retry=None).get_repo(REPO).get_pull(1)
    with env.http() as http:  # the object form: GitHub's description has no bare array
        labels = {"labels": ["reviewer: human", "reviewer: too-large"]}
        assert http.post(f"/repos/{REPO}/issues/1/labels", json=labels).status_code == 200
    assert env.fake.labels(REPO, 1) == ["reviewer: human", "reviewer: too-large"]
    pull.remove_from_labels("reviewer: too-large")
    assert [lbl.name for lbl in pull.get_labels()] == ["reviewer: human"]
    with pytest.raises(GithubException) as err:
        pull.remove_from_labels("reviewer: approved")
    assert err.value.status == 404
    with env.http() as http:
        r = http.post(f"/repos/{REPO}/issues/1/labels", json={"labels": ["reviewer: human", "x"]})
        assert [lbl["name"] for lbl in r.json()] == ["reviewer: human", "x"]  # no duplicates
        assert http.post(f"/repos/{REPO}/issues/1/labels", json={"nope": 1}).status_code == 422
        assert (
            http.post(f"/repos/{REPO}/issues/1/labels", json={"labels": ["a" * 51]}).status_code
            == 422
        )


def test_issue_comment_create_and_edit(env: Env) -> None:
    pull = env.client(retry=None).get_repo(REPO).get_pull(1)
    comment = pull.create_issue_comment("## Reviewer summary\nv1")
    assert comment.user.login == "pr-reviewer[bot]"
    comment.edit("## Reviewer summary\nv2")
    (stored,) = env.fake.issue_comments(REPO, 1)
    assert stored["body"].endswith("v2") and stored["id"] == comment.id
    assert [c.body for c in pull.get_issue_comments()] == ["## Reviewer summary\nv2"]
    with env.http() as http:
        r = http.patch(f"/repos/{REPO}/issues/comments/123456", json={"body": "x"})
        assert r.status_code == 404
        r = http.post(f"/repos/{REPO}/issues/1/comments", json={"body": "x" * 70000})
        assert r.status_code == 422 and r.json()["message"] == "Validation Failed"
        assert http.post(f"/repos/{REPO}/issues/1/comments", json={}).status_code == 422
    (no_body,) = env.fake.take_spec_violations()
    assert "'body' is a required property" in no_body


def test_requested_reviewers(env: Env) -> None:
    pull = env.client(retry=None).get_repo(REPO).get_pull(1)
    pull.create_review_request(reviewers=["alice"])
    assert env.fake.requested_reviewers(REPO, 1) == ["alice"]
    for login in ("bob", "mallory"):  # the author; not a collaborator
        with pytest.raises(GithubException) as err:
            pull.create_review_request(reviewers=[login])
        assert err.value.status == 422
    assert env.fake.requested_reviewers(REPO, 1) == ["alice"]
    env.fake.add_review(REPO, 1, user="alice")
    assert env.fake.requested_reviewers(REPO, 1) == []


def test_reactions_with_etag(env: Env) -> None:
    comment = env.fake.add_issue_comment(REPO, 1, "summary", author="pr-reviewer[bot]")
    env.fake.add_reaction(REPO, comment["id"], "+1", user="alice")
    url = f"/repos/{REPO}/issues/comments/{comment['id']}/reactions"
    with env.http() as http:
        first = http.get(url)
        assert [x["content"] for x in first.json()] == ["+1"]
        etag = first.headers["ETag"]
        remaining = int(first.headers["X-RateLimit-Remaining"])
        again = http.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert int(again.headers["X-RateLimit-Remaining"]) == remaining  # free
        env.fake.add_reaction(REPO, comment["id"], "-1", user="carol")
        changed = http.get(url, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and len(changed.json()) == 2
        assert http.get(url, params={"content": "-1"}).json()[0]["user"]["login"] == "carol"
    with env.http() as other:  # GitHub's ETags belong to a token: another one gets a 200
        assert other.get(url, headers={"If-None-Match": etag}).status_code == 200
    # Review comments have reactions too.
    pull = env.client().get_repo(REPO).get_pull(1)
    pull.create_review(
        body="x", event="COMMENT", comments=[{"path": "app.py", "line": 9, "body": "c"}]
    )
    (rc,) = env.fake.review_comments(REPO, 1)
    env.fake.add_reaction(REPO, rc["id"], "heart", user="alice")
    (reaction,) = pull.get_review_comment(rc["id"]).get_reactions()
    assert reaction.content == "heart"


def test_hook_deliveries_and_redelivery(env: Env) -> None:
    failed = env.fake.add_delivery(status_code=500, event="pull_request", action="synchronize")
    env.fake.add_delivery(status_code=200)
    headers = {"Authorization": f"Bearer {_jwt(env.private_pem)}"}
    with httpx.Client(base_url=env.api, headers=headers) as http:
        r = http.get("/app/hook/deliveries", params={"per_page": 1})
        assert r.status_code == 200 and len(r.json()) == 1 and "next" in r.links
        rest = http.get(r.links["next"]["url"]).json()
        assert rest[0]["id"] == failed["id"] and rest[0]["status_code"] == 500
        assert http.post(f"/app/hook/deliveries/{failed['id']}/attempts").status_code == 202
        assert http.post("/app/hook/deliveries/1/attempts").status_code == 404
    redone = [d for d in env.fake.deliveries() if d["redelivery"]]
    assert [d["guid"] for d in redone] == [failed["guid"]]
    with env.http() as http:  # installation tokens cannot use App endpoints
        assert http.get("/app/hook/deliveries").status_code == 401


# --------------------------------------------------------------------------- faults, recording


def test_rate_limit_headers_and_request_ids(env: Env) -> None:
    with env.http() as http:
        a = http.get(f"/repos/{REPO}")
        b = http.get(f"/repos/{REPO}/pulls/1")
    assert a.headers["X-RateLimit-Limit"] == "5000"
    assert int(b.headers["X-RateLimit-Remaining"]) == int(a.headers["X-RateLimit-Remaining"]) - 1
    assert int(b.headers["X-RateLimit-Used"]) == 2
    assert int(a.headers["X-RateLimit-Reset"]) > time.time()
    assert a.headers["X-GitHub-Request-Id"] != b.headers["X-GitHub-Request-Id"]
    assert a.headers["ETag"].startswith('W/"')


def test_primary_rate_limit_is_enforced(env: Env) -> None:
    env.fake.rate_limit = 3
    with env.http() as http:
        statuses = [http.get(f"/repos/{REPO}").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 403]
        r = http.get(f"/repos/{REPO}")
        assert r.headers["X-RateLimit-Remaining"] == "0"
        assert r.json()["message"].startswith("API rate limit exceeded")


def test_fault_injection_502_burst(env: Env) -> None:
    token = env.token()
    env.fake.fail_next(2, status=502, path_contains="/pulls/1")
    with env.http(token) as http:
        assert http.get(f"/repos/{REPO}").status_code == 200  # not matching
        codes = [http.get(f"/repos/{REPO}/pulls/1").status_code for _ in range(3)]
    assert codes == [502, 502, 200]
    faulted = env.fake.calls("GET", "/pulls/1")
    assert [c.fault for c in faulted] == [True, True, False]
    # PyGithub's default retry rides through a burst.
    repo = env.client(token).get_repo(REPO)
    env.fake.fail_next(2, status=503)
    assert repo.get_pull(1).number == 1
    assert [c.status for c in env.fake.calls("GET", "/pulls/1")][-3:] == [503, 503, 200]


def test_secondary_rate_limit_429_with_retry_after(env: Env) -> None:
    token = env.token()
    env.fake.rate_limit_next(1, status=429, retry_after=1)
    with env.http(token) as http:
        r = http.get(f"/repos/{REPO}/pulls/1")
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        assert r.json()["message"].startswith("You have exceeded a secondary rate limit")
        assert http.get(f"/repos/{REPO}/pulls/1").status_code == 200
    env.fake.rate_limit_next(1, status=403, primary=True, retry_after=30)
    with env.http(token) as http:
        r = http.get(f"/repos/{REPO}")
        assert r.status_code == 403 and r.headers["X-RateLimit-Remaining"] == "0"
        assert int(r.headers["X-RateLimit-Reset"]) >= int(time.time()) + 29
        assert "Retry-After" not in r.headers


def test_pygithub_honours_secondary_rate_limit(env: Env) -> None:
    repo = env.client().get_repo(REPO)
    env.fake.rate_limit_next(1, status=403, retry_after=1)
    started = time.monotonic()
    assert repo.get_pull(1).number == 1
    assert time.monotonic() - started >= 0.9
    assert [c.status for c in env.fake.calls("GET", "/pulls/1")] == [403, 200]


def test_latency(env: Env) -> None:
    env.fake.latency_seconds = 0.3
    with env.http() as http:
        started = time.monotonic()
        http.get(f"/repos/{REPO}")
        assert time.monotonic() - started >= 0.3


def test_recorded_requests(env: Env) -> None:
    pull = env.client().get_repo(REPO).get_pull(1)
    env.fake.reset_requests()
    pull.create_review(
        body="b", event="COMMENT", comments=[{"path": "app.py", "line": 9, "body": "c"}]
    )
    (call,) = env.fake.calls("POST", "/reviews")
    assert call.path == f"/repos/{REPO}/pulls/1/reviews"
    assert call.json["comments"] == [{"path": "app.py", "line": 9, "body": "c"}]
    assert call.status == 200 and call.response["state"] == "COMMENTED"
    with env.http() as http:
        r = http.get(f"/repos/{REPO}/pulls/1/files", params={"per_page": 5})
        missing = http.get("/no/such/route")
    assert env.fake.calls(path_contains="/files")[0].query == {"per_page": "5"}
    assert r.status_code == 200
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    assert env.fake.calls(path_contains="/no/such")[0].status == 404
    assert env.fake.take_spec_violations() == [
        "request GET /no/such/route: GET /no/such/route is not an operation of GitHub's REST API"
    ]
    assert [c.method for c in env.fake.requests if "/app/" not in c.path] == ["POST", "GET", "GET"]
    assert all(c.time > 0 for c in env.fake.requests)
    env.fake.reset_requests()
    assert env.fake.requests == []


def test_server_stops_and_frees_the_port(app_keys: tuple[str, str]) -> None:
    fake = FakeGitHub(app_id=APP_ID, public_key=app_keys[1])
    with running(fake.app) as origin:
        port = int(origin.rsplit(":", 1)[1])
        assert httpx.get(origin + "/api/v3/nothing").status_code == 404
    assert len(fake.take_spec_violations()) == 1
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_swappable_app_without_app_answers_503() -> None:
    with running(SwappableApp()) as origin:
        r = httpx.get(origin + "/anything")
    assert r.status_code == 503 and r.json() == {"message": "no app mounted"}


def test_spec_refuses_what_githubs_description_refuses(env: Env) -> None:
    """The fake checks each request against GitHub's OpenAPI description first."""
    with env.http() as http:
        assert http.get(f"/repos/{REPO}/pulls/one").status_code == 404  # pull_number: integer
        r = http.get(f"/repos/{REPO}/commits/main/check-runs", params={"fliter": "all"})
        assert r.status_code == 422 and "unknown query parameter 'fliter'" in r.json()["message"]
        r = http.get(f"/repos/{REPO}/commits/main/check-runs", params={"filter": "every"})
        assert r.status_code == 422
        r = http.post(f"/repos/{REPO}/issues/1/comments", json={"body": 7})
        assert r.status_code == 422 and "7 is not of type 'string'" in r.json()["message"]
        r = http.post(f"/repos/{REPO}/pulls/1/requested_reviewers", json={"reviewers": "alice"})
        assert r.status_code == 422
    found = env.fake.take_spec_violations()
    assert len(found) == 5 and all(v.startswith("request ") for v in found)
    assert env.fake.take_spec_violations() == []


def test_a_recursive_tree_over_the_limit_is_truncated_and_says_so(env: Env) -> None:
    env.fake.tree_entry_limit = 2
    with env.http() as http:
        tree = http.get(f"/repos/{REPO}/git/trees/main", params={"recursive": "1"}).json()
    assert tree["truncated"] is True and len(tree["tree"]) == 2


def _graphql(env: Env, query: str, token: str | None = None, **variables) -> dict:
    with env.http(token) as http:
        r = http.post(
            env.api.removesuffix("/v3") + "/graphql", json={"query": query, "variables": variables}
        )
    assert r.status_code == 200  # GitHub answers GraphQL errors with 200 too
    return r.json()


def test_graphql_queries_are_validated_against_githubs_schema(env: Env) -> None:
    repo = 'repository(owner: "acme", name: "widgets")'
    bad = _graphql(env, f"{{ {repo} {{ pullRequest(number: 1) {{ titel }} }} }}")
    assert "Cannot query field 'titel' on type 'PullRequest'" in bad["errors"][0]["message"]
    assert "data" not in bad
    unbounded = _graphql(
        env, f"{{ {repo} {{ pullRequest(number: 1) {{ labels {{ totalCount }} }} }} }}"
    )
    assert unbounded["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    excessive = (
        f"{{ {repo} {{ pullRequest(number: 1) {{ reviews(first: 101) {{ totalCount }} }} }} }}"
    )
    assert _graphql(env, excessive)["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    assert len(env.fake.take_spec_violations()) == 3  # each fails the test that sent it


def test_graphql_answers_in_the_querys_shape_with_pages_and_nulls(env: Env) -> None:
    for i in range(3):
        env.fake.add_review(REPO, 1, user="alice", state="COMMENTED", body=f"r{i}")
    query = """query($owner: String!, $name: String!, $after: String) {
      repository(owner: $owner, name: $name) {
        pullRequest(number: 1) {
          title author { __typename login }
          reviews(first: 2, after: $after) {
            totalCount nodes { author { login } } pageInfo { hasNextPage endCursor }
          }
        }
        missing: pullRequest(number: 99) { title }
        policy: object(expression: "main:.github/reviewer.yml") { ... on Blob { text } }
        none: object(expression: "main:nope.txt") { oid }
      }
    }"""
    first = _graphql(env, query, owner="acme", name="widgets")
    data = first["data"]["repository"]
    assert data["pullRequest"]["author"] == {"__typename": "User", "login": "bob"}
    page = data["pullRequest"]["reviews"]
    assert page["totalCount"] == 3 and len(page["nodes"]) == 2
    assert page["pageInfo"]["hasNextPage"] is True
    assert data["missing"] is None and data["none"] is None
    assert data["policy"] == {"text": "auto_approve: false\n"}
    assert [e["type"] for e in first["errors"]] == ["NOT_FOUND"]
    cursor = page["pageInfo"]["endCursor"]
    rest = _graphql(env, query, owner="acme", name="widgets", after=cursor)
    tail = rest["data"]["repository"]["pullRequest"]["reviews"]
    assert len(tail["nodes"]) == 1 and tail["pageInfo"]["hasNextPage"] is False


def test_graphql_sees_only_what_the_token_may(env: Env) -> None:
    env.fake.add_installation(88, "scoped", permissions={"metadata": "read"})
    env.fake.add_repo("scoped/repo", files={"a.txt": "a\n"})
    scoped = env.integration().get_access_token(88).token
    query = """{ mine: repository(owner: "scoped", name: "repo") {
        object(expression: "main:a.txt") { oid } }
      theirs: repository(owner: "acme", name: "widgets") { name } }"""
    answer = _graphql(env, query, token=scoped)
    assert answer["data"] == {"mine": {"object": None}, "theirs": None}
    assert sorted(e["type"] for e in answer["errors"]) == ["FORBIDDEN", "NOT_FOUND"]
