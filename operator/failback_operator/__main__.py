"""`python -m failback_operator` is the `failback-operator` command."""

from failback_operator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
