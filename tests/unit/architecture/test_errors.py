"""One exception hierarchy: every exception the package defines descends from FailbackOperatorError."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import failback_operator
from failback_operator.errors import FailbackOperatorError


def _package_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(failback_operator.__path__, "failback_operator."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_every_exception_of_the_package_descends_from_the_one_root() -> None:
    exceptions = _package_exceptions()
    assert len(exceptions) >= 7, "the walk found the package's exceptions"
    strays = sorted(
        f"{e.__module__}.{e.__qualname__}"
        for e in exceptions
        if e is not FailbackOperatorError and not issubclass(e, FailbackOperatorError)
    )
    assert strays == []


def test_the_root_is_in_the_package_root() -> None:
    assert FailbackOperatorError.__module__ == "failback_operator.errors"
    assert issubclass(FailbackOperatorError, Exception)
