"""Checkpoint files of a run's intermediate outputs (market prep, scenarios).

A checkpoint is an ``.npz`` archive (NumPy arrays, no pickles) plus a ``meta.json``
member, written **byte-deterministically** (fixed member order and timestamps, no
compression) to a temporary name, flushed to disk, then renamed into place — so a
file either exists whole or not at all, and the same content always has the same
SHA-256. The catalog stores that hash with the task; a later task verifies it
before using the file, so a truncated or foreign file is never read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskcap.errors import CheckpointError
from riskcap.inputs.hierarchy import Hierarchy
from riskcap.inputs.risk_inputs import RiskInputs
from riskcap.market.factors import FactorSet
from riskcap.pricing.book import CURVE_STACKS, FAMILY_TYPES, Book, Curves

_EPOCH = (1980, 1, 1, 0, 0, 0)
_FAMILIES: dict[str, type] = {
    **FAMILY_TYPES,
    **dict.fromkeys(CURVE_STACKS, Curves),
}
_POSITION_COLUMNS = ("book_id", "instrument_id", "quantity", "instrument_type")


def write_checkpoint(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> str:
    """Write ``arrays`` and ``meta`` atomically to ``path``; return the file's SHA-256."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(
                member, np.ascontiguousarray(arrays[name]), allow_pickle=False
            )
            zf.writestr(zipfile.ZipInfo(name + ".npy", _EPOCH), member.getvalue())
        text = json.dumps(meta, sort_keys=True, separators=(",", ":"), default=str)
        zf.writestr(zipfile.ZipInfo("meta.json", _EPOCH), text.encode())
    data = buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return hashlib.sha256(data).hexdigest()


def read_checkpoint(path: Path, sha256: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and meta of ``path``, after checking its SHA-256.

    Raises
    ------
    CheckpointError
        The file is missing or its content is not the one recorded.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} is missing") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise CheckpointError(f"checkpoint {path} does not match its recorded sha256")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files if name != "meta.json"}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        meta = json.loads(zf.read("meta.json"))
    return arrays, meta


def risk_inputs_to_arrays(
    inputs: RiskInputs,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Flatten :class:`RiskInputs` into named arrays and JSON metadata.

    Table versions are left out (they are recorded with the task): the file holds
    content only, so the same inputs always give the same bytes.
    """
    arrays: dict[str, np.ndarray] = {
        "levels": inputs.levels,
        "is_log": inputs.factors.is_log,
        "membership": inputs.hierarchy.membership,
    }
    for family, cls in _FAMILIES.items():
        part = getattr(inputs.book, family)
        for field in cls._fields:  # type: ignore[attr-defined]
            arrays[f"book.{family}.{field}"] = np.asarray(getattr(part, field))
    for col in _POSITION_COLUMNS:
        values = inputs.positions[col].to_numpy()
        arrays[f"positions.{col}"] = (
            values.astype(np.float64) if col == "quantity" else values.astype(str)
        )
    meta: dict[str, Any] = {
        "as_of": inputs.as_of.isoformat(),
        "factor_ids": list(inputs.factors.ids),
        "factor_types": list(inputs.factor_types),
        "dates": [d.isoformat() for d in inputs.dates],
        "books": list(inputs.hierarchy.books),
        "nodes": list(inputs.hierarchy.nodes),
        "parents": list(inputs.hierarchy.parents),
        "reporting": inputs.reporting,
        "universe": inputs.universe,
    }
    if inputs.closed or inputs.carried:  # only worlds with market calendars carry these
        meta["closed"] = {f: sorted(d.isoformat() for d in ds) for f, ds in inputs.closed.items()}
        meta["carried"] = list(inputs.carried)
    if inputs.unpriced:  # positions left out of the figures, with the reason
        meta["unpriced"] = dict(inputs.unpriced)
    return arrays, meta


def risk_inputs_from_arrays(
    arrays: dict[str, np.ndarray], meta: dict[str, Any], versions: dict[str, int]
) -> RiskInputs:
    """Inverse of :func:`risk_inputs_to_arrays` (arrays come back bit for bit)."""
    parts = {
        family: cls(**{f: arrays[f"book.{family}.{f}"] for f in cls._fields})  # type: ignore[attr-defined]
        for family, cls in _FAMILIES.items()
    }
    positions = pd.DataFrame({c: arrays[f"positions.{c}"] for c in _POSITION_COLUMNS})
    for col in ("book_id", "instrument_id", "instrument_type"):
        positions[col] = positions[col].astype(object)
    return RiskInputs(
        as_of=dt.date.fromisoformat(meta["as_of"]),
        factors=FactorSet(tuple(meta["factor_ids"]), arrays["is_log"]),
        factor_types=tuple(meta["factor_types"]),
        dates=tuple(dt.date.fromisoformat(d) for d in meta["dates"]),
        levels=arrays["levels"],
        book=Book(**parts),
        hierarchy=Hierarchy(
            tuple(meta["books"]),
            tuple(meta["nodes"]),
            tuple(int(p) for p in meta["parents"]),
            arrays["membership"],
        ),
        positions=positions,
        versions=dict(versions),
        closed={
            f: frozenset(dt.date.fromisoformat(d) for d in ds)
            for f, ds in meta.get("closed", {}).items()
        },
        carried=tuple(meta.get("carried", ())),
        unpriced=dict(meta.get("unpriced", {})),
        reporting=str(meta["reporting"]),
        universe=int(meta["universe"]),
    )
