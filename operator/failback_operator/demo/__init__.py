"""`failback-operator demo`: a Windows and a Linux replication group brought home, on real local parts."""

from failback_operator.demo.run import DemoFailed, DemoOptions, run_demo

__all__ = ["DemoFailed", "DemoOptions", "run_demo"]
