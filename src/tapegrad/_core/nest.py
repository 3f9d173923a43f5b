"""Flatten and rebuild nested lists, tuples, namedtuples and dicts.

Targets, sources, primals and tangents may be any nest of tensors; every
public entry point flattens them once, works on flat lists, and rebuilds the
caller's structure with :func:`unflatten`. As ``tf.nest``, dict leaves are
visited in sorted key order, so two dicts with the same keys line up, and a
rebuilt dict has the keys in the order of the dict that was flattened.

The walks are module-level functions: a nested function that calls itself
is a reference cycle, which would keep every leaf (gradients, targets)
alive until Python's cycle collector runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["flatten", "unflatten", "map_structure", "is_nested"]


class Node:
    """One container of a structure: its type, its children and, for a dict, its keys.

    ``keys`` are the dict keys in the order of ``children`` (sorted) and
    ``order`` the keys in the dict's own order, used to rebuild it. Two
    structures are equal when their types, keys and children are, whatever the
    dicts' key order.
    """

    __slots__ = ("kind", "keys", "children", "order")

    def __init__(self, kind: type, keys: list | None, children: list, order: list | None):
        self.kind = kind
        self.keys = keys
        self.children = children
        self.order = order

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Node)
            and self.kind is other.kind
            and self.keys == other.keys
            and self.children == other.children
        )

    __hash__ = None  # type: ignore[assignment]


def is_nested(value: Any) -> bool:
    """True for the containers that :func:`flatten` descends into."""
    return isinstance(value, (list, tuple, dict))


def _sorted_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:  # keys of mixed types: keep insertion order
        return list(d)


def _walk(node: Any, leaves: list) -> Node | None:
    if isinstance(node, dict):
        keys = _sorted_keys(node)
        return Node(type(node), keys, [_walk(node[k], leaves) for k in keys], list(node))
    if isinstance(node, (list, tuple)):
        return Node(type(node), None, [_walk(child, leaves) for child in node], None)
    leaves.append(node)
    return None


def _build(node: Node | None, leaves: Any) -> Any:
    if node is None:
        return next(leaves)
    kind = node.kind
    built = [_build(child, leaves) for child in node.children]
    if node.order is not None:  # a dict: back in its own key order
        by_key = dict(zip(node.keys or (), built))
        items = [(k, by_key[k]) for k in node.order]
        return dict(items) if kind is dict else kind(items)
    if kind is list:
        return built
    if kind is tuple:
        return tuple(built)
    if hasattr(kind, "_fields"):  # namedtuple
        return kind(*built)
    return kind(built)


def flatten(structure: Any) -> tuple[list, Any]:
    """Return ``(leaves, treedef)``; ``unflatten(treedef, leaves)`` rebuilds it."""
    leaves: list = []
    return leaves, _walk(structure, leaves)


def unflatten(treedef: Any, leaves: list) -> Any:
    """Inverse of :func:`flatten`: put ``leaves`` back into the structure."""
    return _build(treedef, iter(leaves))


def map_structure(fn, structure: Any) -> Any:
    """Apply ``fn`` to every leaf, keeping the structure."""
    leaves, treedef = flatten(structure)
    return unflatten(treedef, [fn(leaf) for leaf in leaves])
