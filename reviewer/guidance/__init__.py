"""Guidance: rule files parsed and scoped (rules), merged with a repository's own (merge),
and checked for problems (lint)."""
