"""The auditors' read-only pages under ``/audit``: server-rendered, no JavaScript."""
