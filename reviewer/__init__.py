"""The PR reviewer: a GitHub App that reviews pull requests with a panel of sub-agents."""

__version__ = "0.1.0"  # the one place the version is written (pyproject reads it)
