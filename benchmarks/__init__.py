"""Long-running measurements (load, latency, chaos); not part of the test suite."""
