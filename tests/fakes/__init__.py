"""Fakes of the external services (GitHub, model APIs), served on loopback for tests."""

from tests.fakes.github import FakeGitHub, generate_app_keypair
from tests.fakes.github_state import ApiError, PatchMap, RecordedRequest, make_patch, parse_patch
from tests.fakes.server import SwappableApp, free_port, running, serve_in_thread

__all__ = [
    "ApiError",
    "FakeGitHub",
    "PatchMap",
    "RecordedRequest",
    "SwappableApp",
    "free_port",
    "generate_app_keypair",
    "make_patch",
    "parse_patch",
    "running",
    "serve_in_thread",
]
