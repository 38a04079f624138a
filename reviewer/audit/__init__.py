"""The audit log: hash-chained entries (log), verification (verify), signed
checkpoints (signing), witness anchoring (anchor) and the read-only HTTP API (api)."""
