"""Real external parts for tests and the demo, started as local processes on 127.0.0.1."""
