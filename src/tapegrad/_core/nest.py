"""Flatten and rebuild nested lists, tuples, namedtuples and dicts.

Targets, sources, primals and tangents may be any nest of tensors; every
public entry point flattens them once, works on flat lists, and rebuilds the
caller's structure with :func:`unflatten`. Dict keys are visited in sorted
order, as ``tf.nest`` does, so two dicts with the same keys line up.
"""

from __future__ import annotations

from typing import Any

__all__ = ["flatten", "unflatten", "map_structure", "is_nested"]


def is_nested(value: Any) -> bool:
    """True for the containers that :func:`flatten` descends into."""
    return isinstance(value, (list, tuple, dict))


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:  # keys of mixed types: keep insertion order
        return list(d)


def flatten(structure: Any) -> tuple[list, Any]:
    """Return ``(leaves, treedef)``; ``unflatten(treedef, leaves)`` rebuilds it."""
    leaves: list = []

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            keys = _sorted_keys(node)
            return (type(node), keys, [walk(node[k]) for k in keys])
        if isinstance(node, (list, tuple)):
            return (type(node), None, [walk(child) for child in node])
        leaves.append(node)
        return None

    return leaves, walk(structure)


def unflatten(treedef: Any, leaves: list) -> Any:
    """Inverse of :func:`flatten`: put ``leaves`` back into the structure."""
    iterator = iter(leaves)

    def build(node: Any) -> Any:
        if node is None:
            return next(iterator)
        kind, keys, children = node
        built = [build(child) for child in children]
        if keys is not None:
            return kind(zip(keys, built)) if kind is not dict else dict(zip(keys, built))
        if kind is list:
            return built
        if kind is tuple:
            return tuple(built)
        if hasattr(kind, "_fields"):  # namedtuple
            return kind(*built)
        return kind(built)

    return build(treedef)


def map_structure(fn, structure: Any) -> Any:
    """Apply ``fn`` to every leaf, keeping the structure."""
    leaves, treedef = flatten(structure)
    return unflatten(treedef, [fn(leaf) for leaf in leaves])
