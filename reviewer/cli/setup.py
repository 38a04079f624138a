"""``reviewer setup``: register the GitHub App in the browser and write ``.env``."""

from __future__ import annotations

from pathlib import Path

import typer

from reviewer.cli.common import fail, friendly_errors, note


@friendly_errors
def setup(
    url: str = typer.Option(
        ...,
        "--url",
        metavar="PUBLIC_URL",
        help="Public https address where GitHub reaches `reviewer serve`; webhooks go to "
        "PUBLIC_URL/webhook.",
    ),
    org: str | None = typer.Option(
        None,
        "--org",
        metavar="ORG",
        help="Register the App for this organization (you must own it); default: your "
        "personal account.",
    ),
    port: int = typer.Option(
        0, min=0, max=65535, help="Port of the local setup page on 127.0.0.1 (0: any free one)."
    ),
    env_file: Path = typer.Option(
        Path(".env"), "--env-file", help="Where to write the App's settings (mode 0600)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace App settings already in the env file; others are kept."
    ),
    name: str | None = typer.Option(
        None, "--name", help="The App's name on GitHub (unique there); default: app.yml's."
    ),
    manifest: Path | None = typer.Option(
        None, "--manifest", help="The App manifest; default: app.yml of this checkout."
    ),
    github_url: str = typer.Option(
        "https://github.com", "--github-url", help="GitHub Enterprise Server: https://HOST."
    ),
) -> None:
    """Register the reviewer as a GitHub App (GitHub's manifest flow) and write its id,
    slug, private key and webhook secret to the env file; then print the install link."""
    from reviewer.github import setup as flow

    options = flow.SetupOptions(
        public_url=url,
        env_file=env_file,
        org=org,
        port=port,
        force=force,
        name=name,
        github_url=github_url,
        **({"manifest": manifest} if manifest is not None else {}),
    )
    page = flow.open_page(options, note)
    note(f"Open {page.url}/ in your browser and click 'Create the GitHub App'.")
    note("GitHub asks you to confirm, then sends you back here. Waiting (Ctrl-C stops)...")
    try:
        outcome = page.wait()
    except KeyboardInterrupt:
        raise fail("stopped; nothing was written") from None
    if outcome.app is None:
        raise fail(outcome.error)
    app = outcome.app
    typer.echo(f"Registered the GitHub App {app.name} (id {app.id}). {outcome.stored}")
    for key in flow.shadowed():
        note(f"warning: {key} is set in this shell and wins over {env_file}; unset it")
    if env_file.resolve() != Path(".env").resolve():
        note(
            "`reviewer serve` reads .env from the folder it starts in: start it beside "
            f"{env_file}, or export its variables"
        )
    typer.echo(f"Install it on your repositories: {app.install_url}")
