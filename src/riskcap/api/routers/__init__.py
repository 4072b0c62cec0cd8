"""The ``/v1`` API: one router per resource (identity, runs, figures, limits, what-if),
thin functions over the catalog (queries in :mod:`riskcap.store`), the lake and the
what-if cache.

Reads take the **run of record** of a date (its newest succeeded run) unless a
``run_id`` is given. Every route depends on the caller's key (401 without one);
node-level figures are filtered to, or checked against, the key's desks (a foreign
object answers 404, like a missing one). Writes need ``risk_manager`` or ``admin`` and
are written to the audit log; the firm-wide ones (EOD triggers, ready events) need a
key for every desk too.
"""

from __future__ import annotations

from fastapi import APIRouter

from riskcap.api.routers import figures, identity, limits, runs, whatif

# each part's routes carry the /v1 prefix themselves (a route's path is then its full
# template, which the request metrics use as their route label)
router = APIRouter()
for _part in (identity, runs, figures, limits, whatif):
    router.include_router(_part.router)
