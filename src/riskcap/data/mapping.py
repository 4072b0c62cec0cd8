"""The instrument → risk-factor mapping, as a table.

Every instrument type the pricing kernels value has a row in :data:`ROLES`: the roles
its factors play — the **spot** (its ``underlying``), the **vol** (the underlying's
implied-vol factor, :func:`~riskcap.data.factor_names.vol_factor`) and the discount
**curve** (its ``curve_id``, or the curve of its currency ``<CCY>.ZERO``, whose pillar
factors are ``IR.<CCY>.<tenor>``); FX instruments add the **base FX** rate and the
**base curve** of the currency bought; swaps the **projection** curve their floating
coupons are fixed on (``projection_curve``, e.g. ``EUR.EURIBOR3M`` with pillars
``IR.EUR.EURIBOR3M.<tenor>``; default the discount curve); bonds the issuer's
**spread** curve. Every instrument whose currency is not the
reporting currency also needs that currency's FX factor ``FX.<CCY><REP>``. A new
instrument type or a new role is a new row or a
new role here, and the resolver of that role below; the engine reads nothing else to
know which factors a position needs.

:func:`map_instruments` resolves the factors of each instrument and names those that
cannot be priced — an instrument missing from the instruments table, a type without a
row, a factor missing from the factors table (an FX rate too), a curve without
pillars — with the reason. The EOD excludes such positions from the figures,
records them with the run, and the quality check ``unpriced_positions`` blocks the run
when their share is above ``quality.unpriced_positions.max_share`` (ORE's "failed
trades").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from riskcap.data.factor_names import (
    DEFAULT_REPORTING_CURRENCY,
    FX_PREFIX,
    SPREAD_SUFFIX,
    curve_prefix,
    fx_factor,
    smile_moneyness,
    tenor_years,
    vol_factor,
)


class FactorRole(enum.StrEnum):
    SPOT = "spot"  # the underlying's level
    VOL = "vol"  # the underlying's (or FX pair's) implied-vol factor
    CURVE = "curve"  # the pillars of the discount curve (of the quote currency for FX)
    BASE_FX = "base_fx"  # FX instruments: the FX factor of the base currency
    BASE_CURVE = "base_curve"  # FX instruments: the base currency's discount curve
    FORWARD = "forward"  # commodity futures: the pillars of the underlying's forward curve
    SPREAD = "spread"  # bonds of an issuer: the pillars of its credit spread curve
    PROJECTION = "projection"  # swaps: the curve the floating coupons are fixed on


FX_TYPES = frozenset({"fx_forward", "fx_swap", "fx_option"})

ROLES: dict[str, tuple[FactorRole, ...]] = {
    "equity": (FactorRole.SPOT,),
    "index": (FactorRole.SPOT,),
    "index_future": (FactorRole.SPOT, FactorRole.CURVE),
    "equity_option": (FactorRole.SPOT, FactorRole.VOL, FactorRole.CURVE),
    "index_option": (FactorRole.SPOT, FactorRole.VOL, FactorRole.CURVE),
    "bond": (FactorRole.CURVE, FactorRole.SPREAD),
    "irs": (FactorRole.CURVE, FactorRole.PROJECTION),
    "fx_forward": (FactorRole.BASE_FX, FactorRole.CURVE, FactorRole.BASE_CURVE),
    "fx_swap": (FactorRole.BASE_FX, FactorRole.CURVE, FactorRole.BASE_CURVE),
    "fx_option": (FactorRole.BASE_FX, FactorRole.VOL, FactorRole.CURVE, FactorRole.BASE_CURVE),
    "commodity_future": (FactorRole.FORWARD,),
}


def discount_curve(instrument: Mapping[str, Any]) -> str:
    """The curve an instrument is discounted on: its ``curve_id``, or ``<CCY>.ZERO``."""
    curve = instrument.get("curve_id")
    return str(curve) if isinstance(curve, str) and curve else f"{instrument['currency']}.ZERO"


def projection_curve(instrument: Mapping[str, Any]) -> str:
    """The curve a swap's floating coupons are projected on: its ``projection_curve``
    (e.g. ``EUR.EURIBOR3M``), or its discount curve (one-curve valuation)."""
    named = instrument.get("projection_curve")
    return str(named) if isinstance(named, str) and named else discount_curve(instrument)


def spread_curve(instrument: Mapping[str, Any]) -> str | None:
    """A bond's credit spread curve: its ``spread_curve``, or ``<ISSUER>.SPREAD`` of its
    issuer (``None``: a bond without an issuer is priced off the risk-free curve)."""
    named, issuer = instrument.get("spread_curve"), instrument.get("issuer")
    if isinstance(named, str) and named:
        return named
    return f"{issuer}{SPREAD_SUFFIX}" if isinstance(issuer, str) and issuer else None


def base_curve(instrument: Mapping[str, Any]) -> str:
    """An FX instrument's base-currency discount curve, ``<BASE>.ZERO``."""
    return f"{instrument['base_currency']}.ZERO"


def fx_pair(instrument: Mapping[str, Any]) -> str:
    """An FX instrument's pair, ``FX.<BASE><QUOTE>`` (the ``underlying`` of its vols)."""
    return f"FX.{instrument['base_currency']}{instrument['currency']}"


def instrument_vol(instrument: Mapping[str, Any]) -> str:
    """The vol factor of an option: its underlying's, or its FX pair's."""
    if instrument["instrument_type"] in FX_TYPES:
        return vol_factor(fx_pair(instrument))
    return vol_factor(str(instrument["underlying"]))


def smile_points(factor_ids: Iterable[str], atm: str) -> list[tuple[float, str]]:
    """The 1Y smile points ``(moneyness, factor)`` of the surface whose ATM factor is
    ``atm`` among ``factor_ids`` (``atm`` itself and ``<atm>.<M>``), by moneyness."""
    points = []
    for f in factor_ids:
        m = smile_moneyness(f, atm)
        if m is not None:
            points.append((m, f))
    return sorted(points)


def curve_universe(factor_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """How many curves of each kind the factors name, and the most pillars one has:
    ``zero`` (``IR.<CCY>.<T>``), ``rates`` (every ``IR.`` curve, ``IR.<CCY>.<NAME>.<T>``
    too: a swap may project on any), ``spread`` (``CS.<ISSUER>.<T>``) and ``forward``
    (``CMD.<NAME>.<T>``) → ``(curves, pillars)``. The kernels' curve stacks take these
    sizes, so a day that trades a curve's first instrument compiles nothing new."""
    pillars: dict[tuple[str, str], int] = {}
    for f in factor_ids:
        head, _, label = f.rpartition(".")
        kind = head.split(".", 1)[0]
        if kind not in ("IR", "CS", "CMD") or "." not in head:
            continue
        try:
            tenor_years(label)
        except ValueError:
            continue
        if kind == "IR":
            named = head.count(".") > 1
            pillars[("rates", head)] = pillars.get(("rates", head), 0) + 1
            if not named:
                pillars[("zero", head)] = pillars.get(("zero", head), 0) + 1
        else:
            key = ("spread" if kind == "CS" else "forward", head)
            pillars[key] = pillars.get(key, 0) + 1
    out: dict[str, tuple[int, int]] = {}
    for (kind, _), n in pillars.items():
        rows, width = out.get(kind, (0, 0))
        out[kind] = (rows + 1, max(width, n))
    return out


def curve_pillars(factor_ids: Iterable[str], curve_id: str) -> list[str]:
    """The pillar factors of ``curve_id`` among ``factor_ids``, shortest tenor first."""
    return _pillars(factor_ids, curve_prefix(curve_id))


def forward_pillars(factor_ids: Iterable[str], commodity: str) -> list[str]:
    """The pillars ``CMD.<NAME>.<TENOR>`` of commodity ``CMD.<NAME>``'s forward curve
    among ``factor_ids``, shortest tenor first."""
    return _pillars(factor_ids, commodity + ".")


def _pillars(factor_ids: Iterable[str], prefix: str) -> list[str]:
    pillars = []
    for f in factor_ids:
        if f.startswith(prefix):
            try:
                pillars.append((tenor_years(f.removeprefix(prefix)), f))
            except ValueError:  # not a pillar of this curve (another name with the prefix)
                continue
    return [f for _, f in sorted(pillars)]


@dataclass(frozen=True)
class FactorMap:
    """Resolved factors of the instruments that can be priced, the reason for the
    others, and the pillar factors of every curve a priced instrument uses (by curve
    id, shortest tenor first). ``reporting`` is the currency figures are reported in:
    an instrument in another currency needs its FX factor ``FX.<CCY><REP>``."""

    factors: dict[str, tuple[str, ...]]
    unpriced: dict[str, str]
    curves: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reporting: str = DEFAULT_REPORTING_CURRENCY
    forwards: dict[str, tuple[str, ...]] = field(default_factory=dict)  # CMD.<NAME> → pillars

    def fx(self, currency: str) -> str | None:
        """The FX factor converting ``currency`` to the reporting currency (``None``: it
        is the reporting currency)."""
        return None if currency == self.reporting else fx_factor(currency, self.reporting)


def _curves_of(r: Mapping[str, Any], roles: tuple[FactorRole, ...]) -> list[str]:
    out = [discount_curve(r)] if FactorRole.CURVE in roles else []
    if FactorRole.PROJECTION in roles and projection_curve(r) not in out:
        out.append(projection_curve(r))
    out += [base_curve(r)] if FactorRole.BASE_CURVE in roles else []
    spread = spread_curve(r) if FactorRole.SPREAD in roles else None
    return out + ([spread] if spread else [])


def map_instruments(
    instruments: Iterable[Mapping[str, Any]],
    factor_ids: set[str],
    reporting: str = DEFAULT_REPORTING_CURRENCY,
) -> FactorMap:
    """The factors of each instrument (rows of the instruments table joined to the held
    positions: ``instrument_id``, ``instrument_type`` — empty for an instrument missing
    from the table —, ``underlying``, ``currency``, ``base_currency``, ``curve_id``)."""
    rows = {str(r["instrument_id"]): r for r in instruments}
    unpriced: dict[str, str] = {}
    out: dict[str, tuple[str, ...]] = {}
    pillars_of: dict[str, list[str]] = {}
    used: set[str] = set()
    forwards: dict[str, tuple[str, ...]] = {}
    smiles: dict[str, list[str]] = {}

    def smile_of(atm: str) -> list[str]:
        if atm not in smiles:
            smiles[atm] = [f for _, f in smile_points(factor_ids, atm) if f != atm]
        return smiles[atm]

    for iid, r in rows.items():
        kind = r.get("instrument_type")
        if not isinstance(kind, str):
            unpriced[iid] = "not in the instruments table"
            continue
        if kind not in ROLES:
            unpriced[iid] = f"no pricer for instrument type {kind}"
            continue
        roles = ROLES[kind]
        if FactorRole.SPOT in roles and not isinstance(r.get("underlying"), str):
            unpriced[iid] = f"a {kind} needs an underlying"
            continue
        if FactorRole.BASE_FX in roles and not isinstance(r.get("base_currency"), str):
            unpriced[iid] = f"a {kind} needs a base_currency"
            continue
        forward: list[str] = []
        if FactorRole.FORWARD in roles:
            name = str(r.get("underlying") or "")
            forward = forward_pillars(factor_ids, name) if name else []
            if not forward:
                unpriced[iid] = (
                    f"a {kind} needs the forward curve of its underlying: factors "
                    f"{name or '<underlying>'}.<tenor> (commodity_price)"
                )
                continue
        curves = _curves_of(r, roles)
        for c in curves:
            if c not in pillars_of:
                pillars_of[c] = curve_pillars(factor_ids, c)
        bare = [c for c in curves if not pillars_of[c]]
        if bare:
            unpriced[iid] = (
                f"curve {bare[0]} has no pillar factors ({curve_prefix(bare[0])}<tenor>): "
                "load them as zero_rate factors with a curves file"
            )
            continue
        fx = [r["currency"], *([r["base_currency"]] if FactorRole.BASE_FX in roles else [])]
        needed = [
            *([str(r["underlying"])] if FactorRole.SPOT in roles else []),
            *([instrument_vol(r)] if FactorRole.VOL in roles else []),
            *(smile_of(instrument_vol(r)) if FactorRole.VOL in roles else []),
            *(fx_factor(str(c), reporting) for c in dict.fromkeys(fx) if c != reporting),
            *(p for c in curves for p in pillars_of[c]),
            *forward,
        ]
        missing = [f for f in needed if f not in factor_ids]
        if missing:
            unpriced[iid] = f"factor(s) {', '.join(missing)} not in the factors table"
            continue
        out[iid] = tuple(needed)
        used.update(curves)
        if forward:
            forwards[str(r["underlying"])] = tuple(forward)
    on_curves = {c: tuple(pillars_of[c]) for c in sorted(used)}
    on_forwards = dict(sorted(forwards.items()))
    return FactorMap(out, dict(sorted(unpriced.items())), on_curves, reporting, on_forwards)


def needed_factors(held: Iterable[Mapping[str, Any]], mapped: FactorMap) -> list[str]:
    """The factors of the priced instruments among ``held`` in the engine's order: the
    spots, then the vols, then the FX rates (each sorted), then the pillars of each
    curve used (curves by id, pillars shortest first), then those of each commodity
    forward curve."""
    spots: set[str] = set()
    vols: set[str] = set()
    fx: set[str] = set()
    curves: set[str] = set()
    forwards: set[str] = set()
    for r in held:
        factors = mapped.factors.get(str(r["instrument_id"]))
        if factors is None:
            continue
        roles = ROLES[str(r["instrument_type"])]
        if FactorRole.SPOT in roles:
            spots.add(str(r["underlying"]))
        if FactorRole.VOL in roles:
            vols.add(instrument_vol(r))  # and its smile points (the ATM one's factors)
            vols.update(f for f in factors if f.startswith(instrument_vol(r) + "."))
        fx.update(f for f in factors if f.startswith(FX_PREFIX))
        curves.update(_curves_of(r, roles))
        if FactorRole.FORWARD in roles:
            forwards.add(str(r["underlying"]))
    pillars = [p for c in sorted(curves) for p in mapped.curves[c]]
    commodity = [p for c in sorted(forwards) for p in mapped.forwards[c]]
    return [*sorted(spots), *sorted(vols), *sorted(fx), *pillars, *commodity]
