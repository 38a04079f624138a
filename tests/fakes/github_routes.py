"""Route handlers of the fake GitHub (registered into ``tests.fakes.github._ROUTES``).

Each handler gets the fake and a :class:`Call` (path params, query, JSON body, the
resolved repo and token) and returns a JSON-able body or a :class:`Reply`. The
dispatcher holds the state lock while a handler runs.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tests.fakes import github_graphql
from tests.fakes.github import (
    ACTIONS_ONLY_STATUSES,
    ANNOTATION_LEVELS,
    CHECK_CONCLUSIONS,
    CHECK_STATUSES,
    MAX_BODY,
    PR_READ,
    PR_WRITE,
    REVIEW_EVENTS,
    SIDES,
    Call,
    Reply,
    _is_time,
    _node_id,
    _pull_or_404,
    _tree_sha,
    invalid,
    not_found,
    paginate,
    read,
    route,
    unprocessable,
    validation_failed,
    write,
)
from tests.fakes.github_state import (
    PERMISSION_LEVELS,
    REACTION_CONTENTS,
    ApiError,
    Pull,
    git_blob_sha,
    parse_patch,
    utc_iso,
)

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

REPO = "/repos/{owner}/{repo}"


def _check_len(value: Any, resource: str, name: str, limit: int = MAX_BODY) -> None:
    if isinstance(value, str) and len(value) > limit:
        msg = f"{name} is too long (maximum is {limit} characters)"
        raise validation_failed(resource, name, msg)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------- App (JWT)


@route("GET", "/app", auth="jwt")
def get_app(fake: FakeGitHub, c: Call) -> Any:
    return fake.render_app(c)


@route("GET", "/app/installations", auth="jwt")
def list_installations(fake: FakeGitHub, c: Call) -> Reply:
    items = [fake.render_installation(i, c) for i in fake._installations.values()]
    chunk, links = paginate(c, items)
    return Reply(chunk, headers=links)


@route("GET", "/app/installations/{id:int}", auth="jwt")
def get_installation(fake: FakeGitHub, c: Call) -> Any:
    inst = fake.installation(int(c.params["id"]))
    if inst is None:
        raise not_found()
    return fake.render_installation(inst, c)


@route("GET", REPO + "/installation", auth="jwt")
def get_repo_installation(fake: FakeGitHub, c: Call) -> Any:
    inst = fake.installation_for(c.r.full_name)
    if inst is None:
        raise not_found()
    return fake.render_installation(inst, c)


@route("POST", "/app/installations/{id:int}/access_tokens", auth="jwt")
def create_access_token(fake: FakeGitHub, c: Call) -> Reply:
    inst = fake.installation(int(c.params["id"]))
    if inst is None:
        raise not_found()
    data = c.body()
    wanted = data.get("permissions") or {}
    if not isinstance(wanted, dict):
        raise invalid("For 'properties/permissions', it is not an object.")
    for resource, level in wanted.items():
        granted = PERMISSION_LEVELS.get(inst.permissions.get(resource, "none"), 0)
        if level not in PERMISSION_LEVELS or PERMISSION_LEVELS[level] > granted:
            raise ApiError(422, "The permissions requested are not granted to this installation.")
    repos: set[str] | None = None
    names = list(data.get("repositories") or [])
    ids = list(data.get("repository_ids") or [])
    if names or ids:
        by_id = {r.id: r.full_name for r in fake._repos.values()}
        repos = {f"{inst.account}/{n}" for n in names} | {by_id.get(i, "?") for i in ids}
        for full in repos:
            repo = fake.find_repo(full)
            ok = repo is not None and repo.owner == inst.account
            if not ok or (inst.repositories is not None and full not in inst.repositories):
                raise unprocessable(
                    "There is at least one repository that does not exist or is not "
                    "accessible to the parent installation."
                )
    tok = fake.mint_token(inst, dict(wanted or inst.permissions), repos)
    body = {
        "token": tok.token,
        "expires_at": utc_iso(tok.expires_at),
        "permissions": tok.permissions,
        "repository_selection": "all"
        if repos is None and inst.repositories is None
        else "selected",
    }
    return Reply(body, 201)


@route("GET", "/app/hook/deliveries", auth="jwt")
def list_deliveries(fake: FakeGitHub, c: Call) -> Reply:
    items = sorted(fake.all_deliveries(), key=lambda d: d["id"], reverse=True)
    cursor = c.query.get("cursor", "")
    if cursor.startswith("v1_") and cursor[3:].isdigit():
        items = [d for d in items if d["id"] < int(cursor[3:])]
    per_page = min(max(int(c.query.get("per_page", 30) or 30), 1), 100)
    chunk = items[:per_page]
    headers = {}
    if len(items) > per_page:
        url = f"{c.api}/app/hook/deliveries?per_page={per_page}&cursor=v1_{chunk[-1]['id']}"
        headers["Link"] = f'<{url}>; rel="next"'
    keep = [{k: v for k, v in d.items() if k != "payload"} for d in chunk]
    return Reply(keep, headers=headers)


def _delivery(fake: FakeGitHub, c: Call) -> dict[str, Any]:
    for d in fake.all_deliveries():
        if d["id"] == int(c.params["id"]):
            return d
    raise not_found()


@route("GET", "/app/hook/deliveries/{id:int}", auth="jwt")
def get_delivery(fake: FakeGitHub, c: Call) -> Any:
    d = _delivery(fake, c)
    out = {k: v for k, v in d.items() if k != "payload"}
    out["request"] = {
        "headers": {"X-GitHub-Event": d["event"], "X-GitHub-Delivery": d["guid"]},
        "payload": d["payload"],
    }
    out["response"] = {"headers": {}, "payload": None}
    return out


@route("POST", "/app/hook/deliveries/{id:int}/attempts", auth="jwt")
def redeliver(fake: FakeGitHub, c: Call) -> Reply:
    d = _delivery(fake, c)
    fake.add_delivery(
        event=d["event"],
        action=d["action"],
        guid=d["guid"],
        installation_id=d["installation_id"],
        repository_id=d["repository_id"],
        redelivery=True,
        payload=d["payload"],
    )
    return Reply({}, 202)


# --------------------------------------------------------------------------- installation


@route("GET", "/installation/repositories")
def installation_repos(fake: FakeGitHub, c: Call) -> Reply:
    assert c.token is not None
    inst = fake.installation(c.token.installation_id)
    repos = [
        r
        for r in fake._repos.values()
        if inst is not None
        and r.owner == inst.account
        and (inst.repositories is None or r.full_name in inst.repositories)
        and (c.token.repositories is None or r.full_name in c.token.repositories)
    ]
    chunk, links = paginate(c, [fake.render_repo(r, c) for r in repos])
    return Reply({"total_count": len(repos), "repositories": chunk}, headers=links)


@route("DELETE", "/installation/token")
def revoke_token(fake: FakeGitHub, c: Call) -> Reply:
    assert c.token is not None
    fake.revoke_token(c.token.token)
    return Reply(None, 204)


@route("GET", "/rate_limit")
def rate_limit(fake: FakeGitHub, c: Call) -> Any:
    assert c.token is not None
    limit, used, reset = fake.charge(c.token.token, refund=True)
    core = {"limit": limit, "used": used, "remaining": max(limit - used, 0), "reset": reset}
    return {"resources": {"core": core}, "rate": core}


# --------------------------------------------------------------------------- repos, git


@route("GET", REPO, perm=read("metadata"))
def get_repo(fake: FakeGitHub, c: Call) -> Any:
    return fake.render_repo(c.r, c)


@route("GET", REPO + "/collaborators/{user}/permission", perm=read("metadata"))
def collaborator_permission(fake: FakeGitHub, c: Call) -> Any:
    login = c.params["user"]
    if not fake.has_user(login):
        raise ApiError(404, f"{login} is not a user")
    r = c.r
    role = "admin" if login == r.owner else r.collaborators.get(login)
    if role is None:
        role = "none" if r.private else "read"
    legacy = {"maintain": "write", "triage": "read"}.get(role, role)
    user = {**(fake.u(login, c) or {}), "role_name": role}
    return {"permission": legacy, "role_name": role, "user": user}


def _resolve(fake: FakeGitHub, c: Call, ref: str, *, message: str | None = None) -> str:
    sha = fake.resolve_ref(c.r, ref)
    if sha is None:
        raise ApiError(404 if message else 422, message or f"No commit found for SHA: {ref}")
    return sha


def _content_entry(
    c: Call, path: str, data: bytes | None, ref: str, snapshot: dict[str, bytes]
) -> dict[str, Any]:
    api = f"{c.api}/repos/{c.r.full_name}"
    if data is not None:
        kind, sha, git_kind = "file", git_blob_sha(data), "blobs"
        download: str | None = f"{c.origin}/raw/{c.r.full_name}/{ref}/{path}"
    else:
        kind, sha, git_kind, download = "dir", _tree_sha(snapshot, path + "/"), "trees", None
    html = f"{c.origin}/{c.r.full_name}/{'blob' if data is not None else 'tree'}/{ref}/{path}"
    entry: dict[str, Any] = {
        "type": kind,
        "size": len(data) if data is not None else 0,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": f"{api}/contents/{quote(path)}?ref={quote(ref)}",
        "git_url": f"{api}/git/{git_kind}/{sha}",
        "html_url": html,
        "download_url": download,
    }
    entry["_links"] = {"self": entry["url"], "git": entry["git_url"], "html": html}
    return entry


def _b64(data: bytes) -> str:
    raw = base64.b64encode(data).decode()
    return "".join(raw[i : i + 60] + "\n" for i in range(0, len(raw), 60))


@route("GET", REPO + "/contents", perm=read("contents"))
@route("GET", REPO + "/contents/", perm=read("contents"))
@route("GET", REPO + "/contents/{path:path}", perm=read("contents"))
def get_contents(fake: FakeGitHub, c: Call) -> Any:
    r = c.r
    path = c.params.get("path", "").strip("/")
    ref = c.query.get("ref") or r.default_branch
    sha = _resolve(fake, c, ref, message=f"No commit found for the ref {ref}")
    snapshot = r.snapshots.get(sha, {})
    if path in snapshot:
        data = snapshot[path]
        entry = _content_entry(c, path, data, ref, snapshot)
        if len(data) > 1_000_000:
            entry.update(content="", encoding="none")
        else:
            entry.update(content=_b64(data), encoding="base64")
        return entry
    prefix = path + "/" if path else ""
    children: dict[str, bytes | None] = {}
    for p in snapshot:
        if p.startswith(prefix):
            head, sep, _ = p[len(prefix) :].partition("/")
            children[prefix + head] = None if sep else snapshot[p]
    if not children:
        raise not_found()
    return [_content_entry(c, p, children[p], ref, snapshot) for p in sorted(children)]


@route("GET", REPO + "/git/blobs/{sha}", perm=read("contents"))
def get_blob(fake: FakeGitHub, c: Call) -> Any:
    sha = c.params["sha"]
    data = c.r.blobs.get(sha)
    if data is None:
        raise not_found()
    return {
        "sha": sha,
        "node_id": f"B_{sha[:12]}",
        "size": len(data),
        "url": f"{c.api}/repos/{c.r.full_name}/git/blobs/{sha}",
        "content": _b64(data),
        "encoding": "base64",
    }


@route("POST", "/graphql")
def graphql(fake: FakeGitHub, c: Call) -> Any:
    """GitHub's GraphQL API, validated against its schema (``github_graphql``)."""
    return github_graphql.answer(fake, c)


@route("GET", REPO + "/git/trees/{ref:path}", perm=read("contents"))
def get_tree(fake: FakeGitHub, c: Call) -> Any:
    r, ref = c.r, c.params["ref"]
    found: tuple[dict[str, bytes], str] | None = None
    sha = fake.resolve_ref(r, ref)
    if sha is not None:
        found = (r.snapshots.get(sha, {}), "")
    else:
        for snapshot in r.snapshots.values():
            dirs = {""} | {p.rsplit("/", 1)[0] + "/" for p in snapshot if "/" in p}
            for d in dirs:
                if _tree_sha(snapshot, d) == ref:
                    found = (snapshot, d)
                    break
            if found:
                break
    if found is None:
        raise not_found()
    snapshot, prefix = found
    recursive = c.query.get("recursive") not in (None, "", "0", "false")
    api = f"{c.api}/repos/{r.full_name}/git"
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(snapshot):
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            d = "/".join(parts[:depth])
            if (recursive or depth == 1) and d not in entries:
                tsha = _tree_sha(snapshot, prefix + d + "/")
                entries[d] = {
                    "path": d,
                    "mode": "040000",
                    "type": "tree",
                    "sha": tsha,
                    "url": f"{api}/trees/{tsha}",
                }
        if recursive or len(parts) == 1:
            bsha = git_blob_sha(snapshot[path])
            entries[rel] = {
                "path": rel,
                "mode": "100644",
                "type": "blob",
                "sha": bsha,
                "size": len(snapshot[path]),
                "url": f"{api}/blobs/{bsha}",
            }
    tree_sha = _tree_sha(snapshot, prefix)
    tree = [entries[k] for k in sorted(entries)]
    limit = fake.tree_entry_limit  # GitHub cuts a recursive tree and says so
    truncated = len(tree) > limit
    return {
        "sha": tree_sha,
        "url": f"{api}/trees/{tree_sha}",
        "tree": tree[:limit],
        "truncated": truncated,
    }


# --------------------------------------------------------------------------- checks, statuses


def _check_output(out: Any, resource: str = "CheckRun") -> dict[str, Any]:
    if not isinstance(out, dict):
        raise invalid("For 'properties/output', it is not an object.")
    for key in ("title", "summary"):
        if not isinstance(out.get(key), str) or not out[key]:
            raise invalid(f'"{key}" wasn\'t supplied.')
    _check_len(out.get("summary"), resource, "summary", 65535)
    _check_len(out.get("text"), resource, "text", 65535)
    annotations = out.get("annotations") or []
    if not isinstance(annotations, list) or len(annotations) > 50:
        raise invalid("For 'properties/annotations', at most 50 annotations per request.")
    for a in annotations:
        required = ("path", "start_line", "end_line", "annotation_level", "message")
        if not isinstance(a, dict) or any(a.get(k) in (None, "") for k in required):
            raise invalid("Annotations need path, start_line, end_line, annotation_level, message.")
        if a["annotation_level"] not in ANNOTATION_LEVELS:
            raise invalid(f'"{a["annotation_level"]}" is not a valid annotation_level.')
    return out


def _apply_check(fake: FakeGitHub, c: Call, run: dict[str, Any], data: dict[str, Any]) -> None:
    status = data.get("status")
    conclusion = data.get("conclusion")
    if status is not None and status not in CHECK_STATUSES:
        if status in ACTIONS_ONLY_STATUSES:
            raise invalid(f"Only GitHub Actions can set a status of {status}.")
        raise invalid(
            f"For 'properties/status', \"{status}\" is not one of {sorted(CHECK_STATUSES)}."
        )
    if conclusion is not None:
        if conclusion not in CHECK_CONCLUSIONS:
            raise invalid(
                f"For 'properties/conclusion', \"{conclusion}\" is not one of "
                f"{sorted(CHECK_CONCLUSIONS)}."
            )
        if conclusion == "stale":
            raise invalid("You cannot change a check run conclusion to stale, only GitHub can.")
        status = "completed"
    if status == "completed" and conclusion is None:
        raise invalid('"conclusion" wasn\'t supplied.')
    for key in ("started_at", "completed_at"):
        if data.get(key) is not None and not _is_time(data[key]):
            raise invalid(f"For 'properties/{key}', \"{data[key]}\" is not a timestamp.")
    actions = data.get("actions")
    if actions is not None:
        if not isinstance(actions, list) or len(actions) > 3:
            raise invalid("For 'properties/actions', at most 3 actions.")
        for a in actions:
            limits = {"label": 20, "description": 40, "identifier": 20}
            if not isinstance(a, dict) or any(
                not isinstance(a.get(k), str) or len(a[k]) > n for k, n in limits.items()
            ):
                raise invalid(
                    "Each action needs label (<=20), description (<=40), identifier (<=20)."
                )
    output = _check_output(data["output"]) if data.get("output") is not None else None
    # All valid: apply.
    for key in ("name", "details_url", "external_id", "started_at", "actions"):
        if key in data:
            run[key] = data[key]
    if status is not None:
        run["status"] = status
        if status != "completed":
            run["conclusion"] = None
            run["completed_at"] = None
    if conclusion is not None:
        run["conclusion"] = conclusion
        run["completed_at"] = data.get("completed_at") or utc_iso()
    if output is not None:
        run["output"] = {k: output.get(k) for k in ("title", "summary", "text")}
        run["annotations"].extend(output.get("annotations") or [])


@route("POST", REPO + "/check-runs", perm=write("checks"))
def create_check_run(fake: FakeGitHub, c: Call) -> Reply:
    data = c.body()
    name, head_sha = data.get("name"), data.get("head_sha")
    if not isinstance(name, str) or not name:
        raise invalid('"name" wasn\'t supplied.')
    if not isinstance(head_sha, str) or not head_sha:
        raise invalid('"head_sha" wasn\'t supplied.')
    if not fake.is_commit(c.r, head_sha):
        raise unprocessable(f"No commit found for SHA: {head_sha}")
    run: dict[str, Any] = {
        "id": fake.next_id(),
        "name": name,
        "head_sha": head_sha,
        "status": "queued",
        "conclusion": None,
        "started_at": utc_iso(),
        "completed_at": None,
        "output": {"title": None, "summary": None, "text": None},
        "annotations": [],
        "details_url": None,
        "external_id": None,
        "check_suite_id": 1 + int(hashlib.sha1(head_sha.encode()).hexdigest()[:8], 16),
    }
    _apply_check(fake, c, run, data)
    c.r.check_runs[run["id"]] = run
    return Reply(fake.render_check_run(c.r, run, c), 201)


@route("PATCH", REPO + "/check-runs/{id:int}", perm=write("checks"))
def update_check_run(fake: FakeGitHub, c: Call) -> Any:
    run = c.r.check_runs.get(int(c.params["id"]))
    if run is None:
        raise not_found()
    data = c.body()
    if "name" in data and (not isinstance(data["name"], str) or not data["name"]):
        raise invalid('"name" must be a non-empty string.')
    trial = {**run, "annotations": list(run["annotations"]), "output": dict(run["output"])}
    _apply_check(fake, c, trial, data)
    run.update(trial)
    return fake.render_check_run(c.r, run, c)


@route("GET", REPO + "/check-runs/{id:int}", perm=read("checks"))
def get_check_run(fake: FakeGitHub, c: Call) -> Any:
    run = c.r.check_runs.get(int(c.params["id"]))
    if run is None:
        raise not_found()
    return fake.render_check_run(c.r, run, c)


@route("GET", REPO + "/commits/{ref}/check-runs", perm=read("checks"))
def list_check_runs(fake: FakeGitHub, c: Call) -> Reply:
    sha = _resolve(fake, c, c.params["ref"])
    runs = [x for x in c.r.check_runs.values() if x["head_sha"] == sha]
    if c.query.get("check_name"):
        runs = [x for x in runs if x["name"] == c.query["check_name"]]
    if c.query.get("app_id"):
        runs = [x for x in runs if str(x.get("app_id", fake.app_id)) == c.query["app_id"]]
    if c.query.get("status"):
        runs = [x for x in runs if x["status"] == c.query["status"]]
    if c.query.get("filter", "latest") == "latest":
        latest: dict[str, dict[str, Any]] = {}
        for x in runs:
            if x["name"] not in latest or x["id"] > latest[x["name"]]["id"]:
                latest[x["name"]] = x
        runs = list(latest.values())
    runs.sort(key=lambda x: x["id"], reverse=True)
    chunk, links = paginate(c, runs)
    body = {
        "total_count": len(runs),
        "check_runs": [fake.render_check_run(c.r, x, c) for x in chunk],
    }
    return Reply(body, headers=links)


@route("GET", REPO + "/commits/{ref}/status", perm=(("statuses", "read"), ("contents", "read")))
def combined_status(fake: FakeGitHub, c: Call) -> Any:
    sha = _resolve(fake, c, c.params["ref"])
    latest: dict[str, dict[str, Any]] = {}
    for s in c.r.statuses:
        if s["sha"] == sha:
            latest[s["context"]] = s
    states = {s["state"] for s in latest.values()}
    if states & {"error", "failure"}:
        state = "failure"
    elif not states or "pending" in states:
        state = "pending"
    else:
        state = "success"
    api = f"{c.api}/repos/{c.r.full_name}"
    statuses = [
        {
            **{k: v for k, v in s.items() if k not in ("sha", "creator")},
            "node_id": _node_id("SC", s["id"]),
            "avatar_url": None,
            "url": f"{api}/statuses/{sha}",
        }
        for s in latest.values()
    ]
    return {
        "state": state,
        "statuses": statuses,
        "sha": sha,
        "total_count": len(statuses),
        "repository": fake.render_repo(c.r, c),
        "commit_url": f"{api}/commits/{sha}",
        "url": f"{api}/commits/{sha}/status",
    }


@route("POST", REPO + "/statuses/{sha}", perm=write("statuses"))
def create_status(fake: FakeGitHub, c: Call) -> Reply:
    data = c.body()
    sha = c.params["sha"]
    if not fake.is_commit(c.r, sha):
        raise unprocessable(f"No commit found for SHA: {sha}")
    if data.get("state") not in {"error", "failure", "pending", "success"}:
        raise invalid('"state" must be one of error, failure, pending, success.')
    fake.add_status(
        c.r.full_name,
        sha,
        context=data.get("context") or "default",
        state=data["state"],
        description=data.get("description") or "",
    )
    return Reply({k: v for k, v in c.r.statuses[-1].items() if k != "sha"}, 201)


@route("GET", REPO + "/commits/{sha}/pulls", perm=PR_READ)
def list_pulls_of_commit(fake: FakeGitHub, c: Call) -> Reply:
    sha = c.params["sha"]
    pulls = [p for p in c.r.pulls.values() if sha in p.commits or p.head_sha == sha]
    pulls.sort(key=lambda p: p.number)
    chunk, links = paginate(c, pulls)
    return Reply([fake.render_pull(c.r, p, c) for p in chunk], headers=links)


@route("GET", "/orgs/{org}/teams/{slug}/memberships/{user}", perm=read("members"))
def team_membership(fake: FakeGitHub, c: Call) -> Any:
    org, slug, login = c.params["org"], c.params["slug"], c.params["user"]
    members = fake.team_members(org, slug)
    if members is None or login not in members:
        raise not_found()
    url = f"{c.api}/organizations/{fake.user(org)['id']}/team/{slug}/memberships/{login}"
    return {"url": url, "role": "member", "state": "active"}


@route("GET", REPO + "/commits/{ref:path}", perm=read("contents"))
def get_commit(fake: FakeGitHub, c: Call) -> Any:
    sha = _resolve(fake, c, c.params["ref"])
    out = fake.render_commit(c.r, sha, c)
    out["stats"] = {"total": 0, "additions": 0, "deletions": 0}
    out["files"] = []
    return out


# --------------------------------------------------------------------------- pulls


@route("GET", REPO + "/pulls", perm=PR_READ)
def list_pulls(fake: FakeGitHub, c: Call) -> Reply:
    state = c.query.get("state", "open")
    pulls = [p for p in c.r.pulls.values() if state == "all" or p.state == state]
    pulls.sort(key=lambda p: p.number, reverse=True)
    chunk, links = paginate(c, pulls)
    return Reply([fake.render_pull(c.r, p, c) for p in chunk], headers=links)


@route("GET", REPO + "/pulls/{n:int}", perm=PR_READ)
def get_pull(fake: FakeGitHub, c: Call) -> Any:
    return fake.render_pull(c.r, _pull_or_404(c, c.params["n"]), c)


@route("GET", REPO + "/pulls/{n:int}/files", perm=PR_READ)
def list_pull_files(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    chunk, links = paginate(c, pull.files, cap=3000)
    return Reply([fake.render_file(c.r, pull, f, c) for f in chunk], headers=links)


@route("GET", REPO + "/pulls/{n:int}/commits", perm=PR_READ)
def list_pull_commits(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    chunk, links = paginate(c, pull.commits, cap=250)
    return Reply([fake.render_commit(c.r, sha, c) for sha in chunk], headers=links)


@route("GET", REPO + "/compare/{basehead}", perm=read("contents"))
def compare(fake: FakeGitHub, c: Call) -> Any:
    """``base...head``: the files and commits of head since its merge base with base,
    pinned to those commits whatever the branches do meanwhile (up to 300 files)."""
    base_ref, sep, head_ref = c.params["basehead"].partition("...")
    base, head = fake.resolve_ref(c.r, base_ref), fake.resolve_ref(c.r, head_ref)
    if not sep or base is None or head is None:
        raise not_found()
    try:
        files, shas = fake.comparison(c.r, base, head)
    except KeyError:
        raise not_found() from None
    api = f"{c.api}/repos/{c.r.full_name}"
    html = f"{c.origin}/{c.r.full_name}/compare/{base}...{head}"
    base_commit = fake.render_commit(c.r, base, c)
    return {
        "url": f"{api}/compare/{base}...{head}",
        "html_url": html,
        "permalink_url": html,
        "diff_url": html + ".diff",
        "patch_url": html + ".patch",
        "base_commit": base_commit,
        "merge_base_commit": base_commit,
        "status": "ahead" if shas else "identical",
        "ahead_by": len(shas),
        "behind_by": 0,
        "total_commits": len(shas),
        "commits": [fake.render_commit(c.r, sha, c) for sha in shas[:250]],
        "files": [fake.render_file(c.r, head, f, c) for f in files[: fake.compare_file_limit]],
    }


def _resolve_comment(pull: Pull, x: Any) -> dict[str, Any]:
    """Validate one inline comment against the PR's diff; return where it lands."""
    if not isinstance(x, dict):
        raise invalid("For 'items', it is not an object.")
    path, body = x.get("path"), x.get("body")
    if not isinstance(path, str) or not path:
        raise invalid('"path" wasn\'t supplied.')
    if not isinstance(body, str):
        raise invalid('"body" wasn\'t supplied.')
    _check_len(body, "PullRequestReviewComment", "body")
    file = next((f for f in pull.files if f["filename"] == path), None)
    if file is None:
        raise unprocessable("Path could not be resolved")
    out: dict[str, Any] = {
        "path": path,
        "body": body,
        "line": None,
        "side": None,
        "start_line": None,
        "start_side": None,
        "position": None,
        "diff_hunk": "",
        "subject_type": "line",
    }
    if x.get("subject_type") == "file":
        return {**out, "subject_type": "file"}
    pm = parse_patch(file.get("patch"))
    line: Any
    side: Any
    if x.get("line") is None and x.get("position") is not None:
        if not _is_int(x["position"]) or x["position"] not in pm.positions:
            raise unprocessable("Position could not be resolved")
        index = pm.positions[x["position"]]
        side, line = pm.line_of_index(index)
    else:
        line, side = x.get("line"), x.get("side", "RIGHT")
        if line is None:
            raise unprocessable("Position or line is required")
        if not _is_int(line):
            raise invalid(f"For 'properties/line', {line!r} is not an integer.")
        if side not in SIDES:
            raise invalid(f"For 'properties/side', {side!r} is not one of LEFT, RIGHT.")
        if line not in pm.side(side):
            raise unprocessable("Line could not be resolved")
        index = pm.side(side)[line]
    start_line = x.get("start_line")
    start_side = x.get("start_side") or side
    if start_line is not None:
        if not _is_int(start_line):
            raise invalid(f"For 'properties/start_line', {start_line!r} is not an integer.")
        if start_side not in SIDES:
            raise invalid(f"For 'properties/start_side', {start_side!r} is not one of LEFT, RIGHT.")
        start_index = pm.side(start_side).get(start_line)
        if start_index is None:
            raise unprocessable("Line could not be resolved")
        if start_index >= index:
            raise unprocessable("start_line must precede the end line")
        if pm.hunk_of[start_index] != pm.hunk_of[index]:
            raise unprocessable("start_line must be part of the same hunk as the line")
    position = next(p for p, i in pm.positions.items() if i == index)
    return {
        **out,
        "line": line,
        "side": side,
        "start_line": start_line,
        "start_side": start_side if start_line is not None else None,
        "position": position,
        "diff_hunk": pm.diff_hunk(index),
    }


def _store_comment(
    fake: FakeGitHub, c: Call, pull: Pull, spot: dict[str, Any], review_id: int, commit_id: str
) -> dict[str, Any]:
    now = utc_iso()
    record = {
        **spot,
        "id": fake.next_id(),
        "pull_number": pull.number,
        "review_id": review_id,
        "commit_id": commit_id,
        "user": fake.bot_login,
        "created_at": now,
        "updated_at": now,
    }
    c.r.review_comments[record["id"]] = record
    return record


def _commit_in_pull(pull: Pull, commit_id: Any) -> None:
    if not isinstance(commit_id, str) or (
        commit_id != pull.head_sha and commit_id not in pull.commits
    ):
        raise unprocessable("Pull request review commit_id is not part of the pull request")


@route("POST", REPO + "/pulls/{n:int}/reviews", perm=write("pull_requests"))
def create_review(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    data = c.body()
    event = data.get("event")
    if event is not None and event not in REVIEW_EVENTS:
        raise invalid(f'"{event}" is not a valid review event (APPROVE, REQUEST_CHANGES, COMMENT).')
    body = data.get("body") or ""
    if not isinstance(body, str):
        raise invalid("For 'properties/body', it is not a string.")
    if len(body) > MAX_BODY:  # this endpoint's 422 lists plain messages
        raise unprocessable(f"body is too long (maximum is {MAX_BODY} characters)")
    comments = data.get("comments") or []
    if not isinstance(comments, list):
        raise invalid("For 'properties/comments', it is not an array.")
    if event == "REQUEST_CHANGES" and not body.strip():
        raise unprocessable("Review body is required when requesting changes")
    if event == "COMMENT" and not body.strip() and not comments:
        raise unprocessable("Review body is required when commenting without inline comments")
    commit_id = data.get("commit_id") or pull.head_sha
    _commit_in_pull(pull, commit_id)
    if event is None and any(
        v["state"] == "PENDING" and v["user"] == fake.bot_login and v["pull_number"] == pull.number
        for v in c.r.reviews.values()
    ):
        raise unprocessable("User can only have one pending review per pull request")
    spots, errors = [], []
    for x in comments:
        try:
            spots.append(_resolve_comment(pull, x))
        except ApiError as err:
            if err.status != 422 or err.errors is None:
                raise
            errors.extend(err.errors)
    if errors:
        raise unprocessable(*errors)
    state = REVIEW_EVENTS.get(event or "", "PENDING")
    review = fake.new_review(c.r, pull, fake.bot_login, state, body, commit_id)
    for spot in spots:
        _store_comment(fake, c, pull, spot, review["id"], commit_id)
    return fake.render_review(c.r, review, c)


def _review(c: Call, pull: Pull) -> dict[str, Any]:
    review = c.r.reviews.get(int(c.params["id"]))
    if review is None or review["pull_number"] != pull.number:
        raise not_found()
    return review


@route("GET", REPO + "/pulls/{n:int}/reviews", perm=PR_READ)
def list_reviews(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    reviews = [v for v in c.r.reviews.values() if v["pull_number"] == pull.number]
    chunk, links = paginate(c, reviews)
    return Reply([fake.render_review(c.r, v, c) for v in chunk], headers=links)


@route("GET", REPO + "/pulls/{n:int}/reviews/{id:int}", perm=PR_READ)
def get_review(fake: FakeGitHub, c: Call) -> Any:
    return fake.render_review(c.r, _review(c, _pull_or_404(c, c.params["n"])), c)


@route("GET", REPO + "/pulls/{n:int}/reviews/{id:int}/comments", perm=PR_READ)
def list_review_comments_of_review(fake: FakeGitHub, c: Call) -> Reply:
    review = _review(c, _pull_or_404(c, c.params["n"]))
    items = [x for x in c.r.review_comments.values() if x["review_id"] == review["id"]]
    chunk, links = paginate(c, items)
    return Reply([fake.render_review_comment(c.r, x, c) for x in chunk], headers=links)


@route("POST", REPO + "/pulls/{n:int}/reviews/{id:int}/events", perm=write("pull_requests"))
def submit_review(fake: FakeGitHub, c: Call) -> Any:
    review = _review(c, _pull_or_404(c, c.params["n"]))
    event = c.body().get("event")
    if review["state"] != "PENDING":
        raise unprocessable("Can not submit a non-pending review")
    if event not in REVIEW_EVENTS:
        raise invalid('"event" wasn\'t supplied.')
    review["state"] = REVIEW_EVENTS[event]
    review["body"] = c.body().get("body") or review["body"]
    review["submitted_at"] = utc_iso()
    return fake.render_review(c.r, review, c)


@route("PUT", REPO + "/pulls/{n:int}/reviews/{id:int}/dismissals", perm=write("pull_requests"))
def dismiss_review(fake: FakeGitHub, c: Call) -> Any:
    review = _review(c, _pull_or_404(c, c.params["n"]))
    message = c.body().get("message")
    if not isinstance(message, str) or not message:
        raise invalid('"message" wasn\'t supplied.')
    if review["state"] not in {"APPROVED", "CHANGES_REQUESTED"}:
        raise unprocessable("Can not dismiss a commented or pending review")
    review["state"] = "DISMISSED"
    review["dismissal_message"] = message
    return fake.render_review(c.r, review, c)


@route("GET", REPO + "/pulls/{n:int}/comments", perm=PR_READ)
def list_review_comments(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    items = [x for x in c.r.review_comments.values() if x["pull_number"] == pull.number]
    chunk, links = paginate(c, items)
    return Reply([fake.render_review_comment(c.r, x, c) for x in chunk], headers=links)


@route("POST", REPO + "/pulls/{n:int}/comments", perm=write("pull_requests"))
def create_review_comment(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    data = c.body()
    reply_to = data.get("in_reply_to")
    if reply_to is not None:
        parent = c.r.review_comments.get(reply_to) if _is_int(reply_to) else None
        if parent is None or parent["pull_number"] != pull.number:
            raise not_found()
        if not isinstance(data.get("body"), str):
            raise invalid('"body" wasn\'t supplied.')
        keys = ("path", "line", "side", "start_line", "start_side", "position", "diff_hunk")
        spot = {k: parent[k] for k in (*keys, "subject_type")}
        spot["body"] = data["body"]
        record = _store_comment(fake, c, pull, spot, parent["review_id"], parent["commit_id"])
        record["in_reply_to_id"] = parent["id"]
        return Reply(fake.render_review_comment(c.r, record, c), 201)
    _commit_in_pull(pull, data.get("commit_id"))
    spot = _resolve_comment(pull, data)
    review = fake.new_review(c.r, pull, fake.bot_login, "COMMENTED", "", data["commit_id"])
    record = _store_comment(fake, c, pull, spot, review["id"], data["commit_id"])
    return Reply(fake.render_review_comment(c.r, record, c), 201)


@route("POST", REPO + "/pulls/{n:int}/comments/{id:int}/replies", perm=write("pull_requests"))
def reply_to_review_comment(fake: FakeGitHub, c: Call) -> Reply:
    data = c.body()
    c.json = {"body": data.get("body"), "in_reply_to": int(c.params["id"])}
    return create_review_comment(fake, c)


@route("GET", REPO + "/pulls/comments/{id:int}", perm=PR_READ)
def get_review_comment(fake: FakeGitHub, c: Call) -> Any:
    x = c.r.review_comments.get(int(c.params["id"]))
    if x is None:
        raise not_found()
    return fake.render_review_comment(c.r, x, c)


@route("GET", REPO + "/pulls/{n:int}/requested_reviewers", perm=PR_READ)
def get_requested_reviewers(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    users = [fake.u(x, c) for x in pull.requested_reviewers]
    teams = [fake.render_team(c.r.owner, t, c) for t in pull.requested_teams]
    return {"users": users, "teams": teams}


def _reviewer_lists(c: Call) -> tuple[list[str], list[str]]:
    data = c.body()
    users, teams = data.get("reviewers") or [], data.get("team_reviewers") or []
    if not isinstance(users, list) or not isinstance(teams, list):
        raise invalid("reviewers and team_reviewers must be arrays.")
    if not users and not teams:
        raise invalid('"reviewers" or "team_reviewers" wasn\'t supplied.')
    return users, teams


@route("POST", REPO + "/pulls/{n:int}/requested_reviewers", perm=write("pull_requests"))
def request_reviewers(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    users, teams = _reviewer_lists(c)
    for login in users:
        if login == pull.author:
            raise unprocessable("Review cannot be requested from pull request author.")
        if login != c.r.owner and login not in c.r.collaborators:
            raise unprocessable(
                "Reviews may only be requested from collaborators. One or more of the users "
                f"or teams you specified is not a collaborator of the {c.r.full_name} repository."
            )
    for login in users:
        if login not in pull.requested_reviewers:
            pull.requested_reviewers.append(login)
    for team in teams:
        if team not in pull.requested_teams:
            pull.requested_teams.append(team)
    return Reply(fake.render_pull(c.r, pull, c), 201)


@route("DELETE", REPO + "/pulls/{n:int}/requested_reviewers", perm=write("pull_requests"))
def remove_requested_reviewers(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    users, teams = _reviewer_lists(c)
    pull.requested_reviewers = [x for x in pull.requested_reviewers if x not in users]
    pull.requested_teams = [x for x in pull.requested_teams if x not in teams]
    return fake.render_pull(c.r, pull, c)


# --------------------------------------------------------------------------- issues


@route("GET", REPO + "/issues/{n:int}", perm=PR_READ)
def get_issue(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    out = fake.render_pull(c.r, pull, c)
    keep = (
        "id", "node_id", "number", "state", "locked", "title", "user", "body", "labels",
        "assignee", "assignees", "milestone", "comments", "created_at", "updated_at",
        "closed_at", "author_association", "active_lock_reason", "draft",
    )  # fmt: skip
    issue = {k: out[k] for k in keep}
    issue.update(
        url=out["issue_url"],
        html_url=out["html_url"],
        comments_url=out["comments_url"],
        labels_url=out["issue_url"] + "/labels{/name}",
        repository_url=f"{c.api}/repos/{c.r.full_name}",
        pull_request={"url": out["url"], "html_url": out["html_url"]},
    )
    return issue


@route("GET", REPO + "/issues/{n:int}/comments", perm=PR_READ)
def list_issue_comments(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    items = [x for x in c.r.issue_comments.values() if x["issue_number"] == pull.number]
    chunk, links = paginate(c, items)
    return Reply([fake.render_issue_comment(c.r, x, c) for x in chunk], headers=links)


def _comment_body(c: Call) -> str:
    body = c.body().get("body")
    if not isinstance(body, str):
        raise invalid('"body" wasn\'t supplied.')
    _check_len(body, "IssueComment", "body")
    return body


@route("POST", REPO + "/issues/{n:int}/comments", perm=PR_WRITE)
def create_issue_comment(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    body = _comment_body(c)
    now = utc_iso()
    x: dict[str, Any] = {
        "id": fake.next_id(),
        "issue_number": pull.number,
        "body": body,
        "user": fake.bot_login,
        "created_at": now,
        "updated_at": now,
    }
    c.r.issue_comments[x["id"]] = x
    return Reply(fake.render_issue_comment(c.r, x, c), 201)


def _issue_comment(c: Call) -> dict[str, Any]:
    x = c.r.issue_comments.get(int(c.params["id"]))
    if x is None:
        raise not_found()
    return x


@route("GET", REPO + "/issues/comments/{id:int}", perm=PR_READ)
def get_issue_comment(fake: FakeGitHub, c: Call) -> Any:
    return fake.render_issue_comment(c.r, _issue_comment(c), c)


@route("PATCH", REPO + "/issues/comments/{id:int}", perm=PR_WRITE)
def edit_issue_comment(fake: FakeGitHub, c: Call) -> Any:
    x = _issue_comment(c)
    x["body"] = _comment_body(c)
    x["updated_at"] = utc_iso(max(time.time(), 0))
    return fake.render_issue_comment(c.r, x, c)


@route("DELETE", REPO + "/issues/comments/{id:int}", perm=PR_WRITE)
def delete_issue_comment(fake: FakeGitHub, c: Call) -> Reply:
    x = _issue_comment(c)
    del c.r.issue_comments[x["id"]]
    return Reply(None, 204)


def _reactions(fake: FakeGitHub, c: Call, kind: str) -> Reply:
    cid = int(c.params["id"])
    store = c.r.issue_comments if kind == "issue" else c.r.review_comments
    if cid not in store:
        raise not_found()
    items = list(c.r.reactions.get((kind, cid), []))
    content = c.query.get("content")
    if content:
        if content not in REACTION_CONTENTS:
            raise invalid(f'"{content}" is not a valid reaction.')
        items = [x for x in items if x["content"] == content]
    chunk, links = paginate(c, items)
    out = [
        {
            "id": x["id"],
            "node_id": f"REA_{x['id']}",
            "user": fake.u(x["user"], c),
            "content": x["content"],
            "created_at": x["created_at"],
        }
        for x in chunk
    ]
    return Reply(out, headers=links)


@route("GET", REPO + "/issues/comments/{id:int}/reactions", perm=PR_READ)
def issue_comment_reactions(fake: FakeGitHub, c: Call) -> Reply:
    return _reactions(fake, c, "issue")


@route("GET", REPO + "/pulls/comments/{id:int}/reactions", perm=PR_READ)
def review_comment_reactions(fake: FakeGitHub, c: Call) -> Reply:
    return _reactions(fake, c, "pull")


# --------------------------------------------------------------------------- labels


def _label_names(c: Call) -> list[str]:
    data = c.json
    names = data.get("labels") if isinstance(data, dict) else data
    if not isinstance(names, list):
        raise invalid('"labels" wasn\'t supplied.')
    out = []
    for item in names:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            raise invalid("For 'items', label names must be non-empty strings.")
        _check_len(name, "Label", "name", 50)
        out.append(name)
    return out


def _issue_labels(fake: FakeGitHub, c: Call, pull: Pull) -> list[dict[str, Any]]:
    return [fake.render_label(c.r, fake.ensure_label(c.r, n), c) for n in pull.labels]


def _add_labels(fake: FakeGitHub, c: Call, pull: Pull, names: list[str]) -> None:
    for name in names:
        label = fake.ensure_label(c.r, name)
        if all(n.lower() != label["name"].lower() for n in pull.labels):
            pull.labels.append(label["name"])


@route("GET", REPO + "/issues/{n:int}/labels", perm=PR_READ)
def list_labels(fake: FakeGitHub, c: Call) -> Reply:
    pull = _pull_or_404(c, c.params["n"])
    chunk, links = paginate(c, _issue_labels(fake, c, pull))
    return Reply(chunk, headers=links)


@route("POST", REPO + "/issues/{n:int}/labels", perm=PR_WRITE)
def add_labels(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    _add_labels(fake, c, pull, _label_names(c))
    return _issue_labels(fake, c, pull)


@route("PUT", REPO + "/issues/{n:int}/labels", perm=PR_WRITE)
def set_labels(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    names = _label_names(c)
    pull.labels = []
    _add_labels(fake, c, pull, names)
    return _issue_labels(fake, c, pull)


@route("DELETE", REPO + "/issues/{n:int}/labels", perm=PR_WRITE)
def clear_labels(fake: FakeGitHub, c: Call) -> Reply:
    _pull_or_404(c, c.params["n"]).labels = []
    return Reply(None, 204)


@route("DELETE", REPO + "/issues/{n:int}/labels/{name:path}", perm=PR_WRITE)
def remove_label(fake: FakeGitHub, c: Call) -> Any:
    pull = _pull_or_404(c, c.params["n"])
    name = c.params["name"].lower()
    if all(n.lower() != name for n in pull.labels):
        raise ApiError(404, "Label does not exist")
    pull.labels = [n for n in pull.labels if n.lower() != name]
    return _issue_labels(fake, c, pull)
