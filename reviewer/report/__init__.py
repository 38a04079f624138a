"""Outcome figures computed from the audit log; the CLI and the ``/audit`` page share them."""
