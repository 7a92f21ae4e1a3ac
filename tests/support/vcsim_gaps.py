"""Runs `failback-operator` with the facts vcsim cannot model filled in (testenv.vcsim_gaps)."""

from __future__ import annotations

import sys

from failback_operator import cli
from failback_operator.testenv.vcsim_gaps import install
from failback_operator.testenv.vcsim_gaps import read_with_gaps_filled as _read_with_gaps_filled

__all__ = ["_read_with_gaps_filled"]

if __name__ == "__main__":
    install()
    sys.exit(cli.main(sys.argv[1:]))
