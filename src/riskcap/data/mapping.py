"""The instrument → risk-factor mapping, as a table.

Every instrument type the pricing kernels value has a row in :data:`ROLES`: the roles
its factors play — the **spot** (its ``underlying``), the **vol** (the underlying's
implied-vol factor, :func:`~riskcap.data.factor_names.vol_factor`) and the discount
**curve** (its ``curve_id``, or the curve of its currency ``<CCY>.ZERO``, whose pillar
factors are ``IR.<CCY>.<tenor>``). A new instrument type or a new role (a projection
curve, a credit spread, an FX rate) is a new row or a new role here, and the resolver
of that role below; the engine reads nothing else to know which factors a position
needs.

:func:`map_instruments` resolves the factors of each instrument and names those that
cannot be priced — an instrument missing from the instruments table, a type without a
row, a factor missing from the factors table, a curve without pillars, a second
discount curve — with the reason. The EOD excludes such positions from the figures,
records them with the run, and the quality check ``unpriced_positions`` blocks the run
when their share is above ``quality.unpriced_positions.max_share`` (ORE's "failed
trades").
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from riskcap.data.factor_names import curve_prefix, tenor_years, vol_factor


class FactorRole(enum.StrEnum):
    SPOT = "spot"  # the underlying's level
    VOL = "vol"  # the underlying's implied-vol factor
    CURVE = "curve"  # the pillars of the discount curve


ROLES: dict[str, tuple[FactorRole, ...]] = {
    "equity": (FactorRole.SPOT,),
    "index": (FactorRole.SPOT,),
    "index_future": (FactorRole.SPOT, FactorRole.CURVE),
    "equity_option": (FactorRole.SPOT, FactorRole.VOL, FactorRole.CURVE),
    "index_option": (FactorRole.SPOT, FactorRole.VOL, FactorRole.CURVE),
    "bond": (FactorRole.CURVE,),
    "irs": (FactorRole.CURVE,),
}


def discount_curve(instrument: Mapping[str, Any]) -> str:
    """The curve an instrument is discounted on: its ``curve_id``, or ``<CCY>.ZERO``."""
    curve = instrument.get("curve_id")
    return str(curve) if isinstance(curve, str) and curve else f"{instrument['currency']}.ZERO"


def curve_pillars(factor_ids: Iterable[str], curve_id: str) -> list[str]:
    """The pillar factors of ``curve_id`` among ``factor_ids``, shortest tenor first."""
    prefix = curve_prefix(curve_id)
    pillars = [f for f in factor_ids if f.startswith(prefix)]
    return sorted(pillars, key=lambda f: tenor_years(f.removeprefix(prefix)))


@dataclass(frozen=True)
class FactorMap:
    """Resolved factors of the instruments that can be priced, the reason for the
    others, and the one discount curve of the run (``None``: no position needs one)."""

    factors: dict[str, tuple[str, ...]]
    unpriced: dict[str, str]
    curve: str | None
    pillars: tuple[str, ...] = ()  # the run's curve's pillar factors, shortest first


def map_instruments(instruments: Iterable[Mapping[str, Any]], factor_ids: set[str]) -> FactorMap:
    """The factors of each instrument (rows of the instruments table joined to the held
    positions: ``instrument_id``, ``instrument_type`` — empty for an instrument missing
    from the table —, ``underlying``, ``currency``, ``curve_id``).

    One discount curve per run for now: the curve most instruments use (ties: the first
    by name) is the run's; an instrument on another curve is not priced.
    """
    rows = {str(r["instrument_id"]): r for r in instruments}
    unpriced: dict[str, str] = {}
    curves: dict[str, str] = {}
    for iid, r in rows.items():
        kind = r.get("instrument_type")
        if not isinstance(kind, str):
            unpriced[iid] = "not in the instruments table"
        elif kind not in ROLES:
            unpriced[iid] = f"no pricer for instrument type {kind}"
        elif FactorRole.SPOT in ROLES[kind] and not isinstance(r.get("underlying"), str):
            unpriced[iid] = f"a {kind} needs an underlying"
        elif FactorRole.CURVE in ROLES[kind]:
            curves[iid] = discount_curve(r)
    used = Counter(curves.values())
    curve = min(used, key=lambda c: (-used[c], c)) if used else None
    pillars = curve_pillars(factor_ids, curve) if curve is not None else []
    out: dict[str, tuple[str, ...]] = {}
    for iid, r in rows.items():
        if iid in unpriced:
            continue
        roles = ROLES[str(r["instrument_type"])]
        if FactorRole.CURVE in roles and curves[iid] != curve:
            unpriced[iid] = f"discounted on {curves[iid]}, not the run's one curve {curve}"
            continue
        if FactorRole.CURVE in roles and not pillars:
            unpriced[iid] = (
                f"curve {curve} has no pillar factors ({curve_prefix(str(curve))}<tenor>): "
                "load them as zero_rate factors with a curves file"
            )
            continue
        needed = [
            *([str(r["underlying"])] if FactorRole.SPOT in roles else []),
            *([vol_factor(str(r["underlying"]))] if FactorRole.VOL in roles else []),
            *(pillars if FactorRole.CURVE in roles else []),
        ]
        missing = [f for f in needed if f not in factor_ids]
        if missing:
            unpriced[iid] = f"factor(s) {', '.join(missing)} not in the factors table"
            continue
        out[iid] = tuple(needed)
    on_curve = [i for i in out if FactorRole.CURVE in ROLES[str(rows[i]["instrument_type"])]]
    if not on_curve:
        return FactorMap(out, dict(sorted(unpriced.items())), None)
    return FactorMap(out, dict(sorted(unpriced.items())), curve, tuple(pillars))


def needed_factors(held: Iterable[Mapping[str, Any]], mapped: FactorMap) -> list[str]:
    """The factors of the priced instruments among ``held`` in the engine's order: the
    spots, then the vols (each sorted), then the curve's pillars."""
    spots: set[str] = set()
    vols: set[str] = set()
    curve = False
    for r in held:
        if str(r["instrument_id"]) not in mapped.factors:
            continue
        roles = ROLES[str(r["instrument_type"])]
        if FactorRole.SPOT in roles:
            spots.add(str(r["underlying"]))
        if FactorRole.VOL in roles:
            vols.add(vol_factor(str(r["underlying"])))
        curve = curve or FactorRole.CURVE in roles
    return [*sorted(spots), *sorted(vols), *(mapped.pillars if curve else ())]
