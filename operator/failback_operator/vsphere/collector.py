"""Property collector plumbing: many objects, explicit property paths, one RetrievePropertiesEx per page.

Reading `vm.config.uuid` through pyvmomi's attribute access costs a round trip per property; one
filter spec covers every object and property it names in a single round trip. Everything the
adapter reads goes through here, so the number of calls does not grow with the number of VMs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyVmomi import vim, vmodl

__all__ = [
    "ObjectProperties",
    "PropertyRead",
    "container_view",
    "retrieve",
    "start_at",
    "traversal",
    "view_objects",
]

# pyvmomi's types are generated at run time; Any keeps mypy strict about our code, not theirs.
PropertyCollector: Any = vmodl.query.PropertyCollector
_vim: Any = vim
# vCenter pages results itself; this only bounds one page so a large inventory cannot time out.
_PAGE_SIZE = 1000


@dataclass(frozen=True)
class ObjectProperties:
    """One managed object and the values of the property paths asked for (absent when unset)."""

    obj: Any  # the pyvmomi managed object reference
    values: Mapping[str, Any]
    missing: Mapping[str, str] = field(default_factory=dict)

    @property
    def moref(self) -> str:
        """The managed object id (`vm-42`), stable for the object's lifetime in this vCenter."""
        return str(self.obj._moId)

    @property
    def kind(self) -> str:
        """The managed object type name, e.g. `VirtualMachine`."""
        return str(self.obj._wsdlName)

    def get(self, path: str, default: Any = None) -> Any:
        """The value read for `path`, or `default` when vCenter left it unset."""
        return self.values.get(path, default)


@dataclass(frozen=True)
class PropertyRead:
    """What to read: start objects (with how to walk from them) and the paths per object type."""

    objects: Sequence[Any]  # vmodl.query.PropertyCollector.ObjectSpec
    paths: Mapping[str, Sequence[str]]  # managed object type name -> property paths


def _vim_type(kind: str) -> Any:
    """`vim.VirtualMachine` from "VirtualMachine", `vim.view.ContainerView` from "view.ContainerView"."""
    found: Any = _vim
    for part in kind.split("."):
        found = getattr(found, part)
    return found


def traversal(name: str, kind: str, path: str, then: Iterable[str] = ()) -> Any:
    """A named TraversalSpec from objects of `kind` along property `path`, continuing with `then`."""
    return PropertyCollector.TraversalSpec(
        name=name,
        type=_vim_type(kind),
        path=path,
        skip=False,
        selectSet=[PropertyCollector.SelectionSpec(name=step) for step in then],
    )


def _filter_spec(read: PropertyRead) -> Any:
    property_specs = [
        PropertyCollector.PropertySpec(type=getattr(_vim, kind), pathSet=list(paths), all=False)
        for kind, paths in read.paths.items()
    ]
    # An object deleted between two reads is left out of the result instead of failing the call.
    return PropertyCollector.FilterSpec(
        objectSet=list(read.objects), propSet=property_specs, reportMissingObjectsInResults=True
    )


def _to_object_properties(content: Any) -> ObjectProperties:
    # vcsim sends unset properties as empty values where vCenter leaves them out: treat both alike.
    values = {prop.name: prop.val for prop in content.propSet or () if prop.val is not None}
    missing = {item.path: type(item.fault).__name__.rsplit(".", 1)[-1] for item in content.missingSet or ()}
    return ObjectProperties(obj=content.obj, values=values, missing=missing)


def retrieve(collector: Any, read: PropertyRead, page_size: int = _PAGE_SIZE) -> list[ObjectProperties]:
    """Run one filter: RetrievePropertiesEx, then ContinueRetrievePropertiesEx while vCenter pages."""
    options = PropertyCollector.RetrieveOptions(maxObjects=page_size)
    result = collector.RetrievePropertiesEx(specSet=[_filter_spec(read)], options=options)
    found: list[ObjectProperties] = []
    while result is not None:
        found.extend(_to_object_properties(content) for content in result.objects or ())
        if not result.token:
            break
        result = collector.ContinueRetrievePropertiesEx(token=result.token)
    return found


def container_view(content: Any, kinds: Sequence[str]) -> Any:
    """A recursive ContainerView of the whole inventory for the given types; destroy it after use."""
    return content.viewManager.CreateContainerView(
        container=content.rootFolder, type=[getattr(_vim, kind) for kind in kinds], recursive=True
    )


def view_objects(view: Any) -> Any:
    """An ObjectSpec that starts at a ContainerView and selects every object it shows."""
    return PropertyCollector.ObjectSpec(
        obj=view,
        skip=True,
        selectSet=[traversal("view", "view.ContainerView", "view")],
    )


def start_at(obj: Any, traversals: Sequence[Any] = ()) -> Any:
    """An ObjectSpec for one object, walking on with `traversals` (each defined here, in full)."""
    return PropertyCollector.ObjectSpec(obj=obj, skip=False, selectSet=list(traversals))
