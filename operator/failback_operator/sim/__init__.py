"""Simulators of the outside world the operator talks to, for tests and the demo."""
