"""Limit monitoring after a run: breaches become alerts, log lines and webhook POSTs.

A limit names one published figure of one node (``measure`` var | es, ``method``,
``horizon``, ``confidence``). When a run's figure exceeds the limit, one
:class:`~riskcap.store.catalog.Alert` row is written (one per run and limit, so a
re-check never duplicates), a WARNING line goes to the ``riskcap.limits`` logger,
and, when ``service.webhook_url`` is set, the alert is POSTed there as JSON. A
webhook that fails is recorded on the alert and logged; it never fails the run.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from riskcap.config import ServiceConfig, redact_endpoint
from riskcap.errors import NotFoundError
from riskcap.store.catalog import Alert, Catalog, Limit, Result, Run

log = logging.getLogger("riskcap.limits")


@dataclass(frozen=True)
class Breach:
    alert_id: int
    node: str
    measure: str
    value: float
    limit_value: float
    message: str


def check_limits(catalog: Catalog, run_id: str, service: ServiceConfig) -> list[Breach]:
    """Compare ``run_id``'s figures with every limit; record and announce breaches."""
    breaches: list[Breach] = []
    payloads: list[tuple[int, dict[str, Any]]] = []
    with catalog.session() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise NotFoundError(f"no run {run_id} in the catalog to check limits on")
        limits = list(s.scalars(select(Limit).order_by(Limit.id)))
        seen = set(s.scalars(select(Alert.limit_id).where(Alert.run_id == run_id)))
        for lim in limits:
            if lim.id in seen:
                continue
            value = s.scalar(
                select(Result.value).where(
                    Result.run_id == run_id,
                    Result.node == lim.node,
                    Result.measure == lim.measure,
                    Result.method == lim.method,
                    Result.horizon == lim.horizon,
                    Result.confidence == lim.confidence,
                )
            )
            if value is None or value <= lim.limit_value:
                continue
            message = (
                f"{run.as_of} {lim.node}: {lim.method} {lim.horizon}-day "
                f"{lim.confidence:.1%} {lim.measure.upper()} {value:,.0f} exceeds its limit "
                f"{lim.limit_value:,.0f} ({value / lim.limit_value:.0%} used)"
            )
            alert = Alert(
                run_id=run_id,
                limit_id=lim.id,
                node=lim.node,
                measure=lim.measure,
                method=lim.method,
                horizon=lim.horizon,
                confidence=lim.confidence,
                as_of=run.as_of,
                value=float(value),
                limit_value=lim.limit_value,
                message=message,
            )
            s.add(alert)
            s.flush()
            breaches.append(
                Breach(alert.id, lim.node, lim.measure, float(value), lim.limit_value, message)
            )
            payloads.append((alert.id, alert_payload(alert)))
    for b in breaches:
        log.warning("limit breach (alert %d): %s", b.alert_id, b.message)
    announce(catalog, service, payloads)
    return breaches


def announce(
    catalog: Catalog, service: ServiceConfig, payloads: list[tuple[int, dict[str, Any]]]
) -> None:
    """POST each recorded alert to ``service.webhook_url`` (if set) and note on the
    alert how that went."""
    if not service.webhook_url:
        return
    for alert_id, payload in payloads:
        status = post_webhook(service.webhook_url, payload, service.webhook_timeout_s)
        with catalog.session() as s:
            row = s.get(Alert, alert_id)
            if row is not None:  # acknowledged and purged meanwhile: nothing to note
                row.webhook = status[:200]


def alert_payload(alert: Alert) -> dict[str, Any]:
    """The JSON an alert is announced with (API and webhook)."""
    return {
        "alert_id": alert.id,
        "run_id": alert.run_id,
        "as_of": alert.as_of.isoformat() if alert.as_of else None,
        "node": alert.node,
        "measure": alert.measure,
        "method": alert.method,
        "horizon": alert.horizon,
        "confidence": alert.confidence,
        "value": alert.value,
        "limit": alert.limit_value,
        "utilisation": alert.value / alert.limit_value if alert.limit_value else None,
        "message": alert.message,
    }


def post_webhook(url: str, payload: dict[str, Any], timeout_s: float) -> str:
    """POST ``payload`` as JSON; returns ``sent <status>`` or ``failed: <reason>``."""
    request = urllib.request.Request(
        url,
        data=json.dumps({"event": "limit_breach", **payload}).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "riskcap"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return f"sent {response.status}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        shown = redact_endpoint(url)  # the path and query may hold the token
        reason = str(getattr(exc, "reason", None) or exc).replace(url, shown)
        log.error("limit webhook %s failed: %s", shown, reason)
        return f"failed: {reason}"
