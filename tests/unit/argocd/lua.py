"""Runs an Argo CD health.lua the way Argo CD does: Lua 5.1, only base and table, the object as `obj`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lupa.lua51
import yaml

__all__ = ["HEALTH_CODES", "load_api_yaml", "parse_api_yaml", "run_health"]

# The statuses Argo CD accepts from a health script; anything else becomes Unknown there.
HEALTH_CODES = frozenset({"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"})


class _ApiLoader(yaml.SafeLoader):
    """YAML read as the API server hands objects over: JSON has no dates, so timestamps stay strings."""


_ApiLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_api_yaml(text: str) -> Any:
    """One YAML document, with the value types a Kubernetes object has in JSON."""
    return yaml.load(text, Loader=_ApiLoader)


def load_api_yaml(path: Path) -> Any:
    """A YAML file, read as `parse_api_yaml` reads text."""
    return parse_api_yaml(path.read_text())


# Argo CD opens base, table, package and a safe os; string and math are absent, and without the
# string library strings have no methods. Everything a script could use beyond that is removed here.
_SANDBOX = """
string, math, io, debug, coroutine, os = nil, nil, nil, nil, nil, nil
dofile, loadfile = nil, nil
getmetatable("").__index = nil
"""


def _to_lua(runtime: Any, value: Any) -> Any:
    """A JSON value as Argo CD's decodeValue builds it: maps and lists become tables, null is absent."""
    if isinstance(value, Mapping):
        table = runtime.table()
        for key, item in value.items():
            if item is not None:
                table[str(key)] = _to_lua(runtime, item)
        return table
    if isinstance(value, list):
        table = runtime.table()
        for index, item in enumerate(value, start=1):
            table[index] = _to_lua(runtime, item)
        return table
    if isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"{type(value).__name__} is not a JSON value: {value!r}")


def run_health(script: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """The table a health script returns for `obj`, as a dict (status and message)."""
    runtime = lupa.lua51.LuaRuntime(register_eval=False, register_builtins=False)
    runtime.execute(_SANDBOX)
    runtime.globals().obj = _to_lua(runtime, obj)
    result = runtime.execute(script)
    if lupa.lua51.lua_type(result) != "table":
        raise TypeError(f"a health script must return a table, not {result!r}")
    return {str(k): v for k, v in result.items()}
