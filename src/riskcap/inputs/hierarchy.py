"""The reporting hierarchy firm → legal entity → desk → book as arrays.

Nodes are labelled ``level:name`` (``firm:RISKCAP``, ``entity:RC-US-LLC``,
``desk:EQ-CASH``, ``book:EQC-TECH``) and ordered top-down. ``membership[n, b]`` is 1
when book ``b`` rolls up into node ``n``, so node P&L = ``membership @ book P&L``
(DESIGN.md §3: risk is computed on aggregated P&L vectors per node, never by adding
child VaRs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from riskcap.errors import RiskcapError


def _one_entity_per_desk(rows: Sequence[tuple[str, str, str, str]]) -> None:
    """Node ids are ``level:name``: a desk name must name one desk, in one entity."""
    entities: dict[str, set[str]] = {}
    books: dict[str, list[str]] = {}
    for book, desk, entity, _firm in rows:
        entities.setdefault(desk, set()).add(entity)
        books.setdefault(desk, []).append(book)
    for desk, under in sorted(entities.items()):
        if len(under) > 1:
            raise RiskcapError(
                f"desk {desk!r} is under legal entities {', '.join(sorted(under))} "
                f"(books {', '.join(sorted(books[desk]))}): a desk name names one desk, "
                "so the books table must give it one legal entity (rename one of them)"
            )


@dataclass(frozen=True)
class Hierarchy:
    books: tuple[str, ...]  # book ids, index = book index used by the Book arrays
    nodes: tuple[str, ...]  # labels, top-down
    parents: tuple[int, ...]  # parent node index (-1 for the firm)
    membership: np.ndarray  # (nodes, books) float64 0/1

    @classmethod
    def from_books(cls, rows: Sequence[tuple[str, str, str, str]]) -> Hierarchy:
        """Build from ``(book_id, desk, legal_entity, firm)`` rows (one firm)."""
        rows = sorted(rows)
        firms = sorted({r[3] for r in rows})
        if len(firms) != 1:
            raise ValueError(f"expected one firm, got {firms}")
        entities = sorted({r[2] for r in rows})
        desks = sorted({(r[2], r[1]) for r in rows})
        _one_entity_per_desk(rows)
        labels = [f"firm:{firms[0]}"]
        parents = [-1]
        labels += [f"entity:{e}" for e in entities]
        parents += [0] * len(entities)
        labels += [f"desk:{d}" for _, d in desks]
        parents += [labels.index(f"entity:{e}") for e, _ in desks]
        labels += [f"book:{r[0]}" for r in rows]
        parents += [labels.index(f"desk:{r[1]}") for r in rows]
        books = tuple(r[0] for r in rows)
        membership = np.zeros((len(labels), len(books)))
        for b, book in enumerate(books):
            node = labels.index(f"book:{book}")
            while node >= 0:
                membership[node, b] = 1.0
                node = parents[node]
        return cls(books, tuple(labels), tuple(parents), membership)

    def index(self, label: str) -> int:
        try:
            return self.nodes.index(label)
        except ValueError:
            raise KeyError(f"no node {label!r} (nodes look like desk:EQ-CASH)") from None

    def children(self, node: int) -> list[int]:
        return [i for i, p in enumerate(self.parents) if p == node]

    def subtree(self, node: int) -> list[int]:
        """``node`` and all its descendants, top-down."""
        out = [node]
        for child in self.children(node):
            out += self.subtree(child)
        return out
