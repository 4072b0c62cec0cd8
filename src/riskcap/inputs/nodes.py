"""Hierarchy node ids — ``level:name`` (``firm:RISKCAP``, ``desk:EQ-CASH``) — as text.

The one place that splits a node id, orders nodes top-down and says which levels a
summary shows. No NumPy: the command line imports it before any maths.
"""

from __future__ import annotations

from collections.abc import Iterable

LEVELS = ("firm", "entity", "desk", "book")
# the levels a summary shows unless asked for every node; `ima:` is the FRTB IMA total
HEADLINE_LEVELS = ("firm", "desk", "ima")


def node_level(node: str) -> str:
    """``desk`` of ``desk:EQ-CASH``."""
    return node.partition(":")[0]


def node_sort_key(node: str) -> tuple[int, str]:
    """Top-down order: firm, entities, desks, books (then other levels); by name within."""
    level, _, name = node.partition(":")
    return (LEVELS.index(level) if level in LEVELS else len(LEVELS), name)


def headline(nodes: Iterable[str], every_node: bool = False) -> list[str]:
    """``nodes`` a summary shows — firm, desks and the IMA total, or every node with
    ``every_node`` — top-down."""
    kept = [n for n in nodes if every_node or node_level(n) in HEADLINE_LEVELS]
    return sorted(kept, key=node_sort_key)
