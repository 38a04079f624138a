"""The ``reviewer`` command line, one module per command group."""
