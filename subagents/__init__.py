"""The review panel: one module per specialist, all speaking the ``SubAgent`` protocol."""
