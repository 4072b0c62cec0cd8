"""``riskcap serve``, ``riskcap keys …`` and ``riskcap schedule``: the service commands."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Annotated

import typer
from rich.table import Table

from riskcap.cli.app import SERVICE
from riskcap.cli.options import ConfigOpt, JsonOpt
from riskcap.cli.render import console
from riskcap.config import load_settings
from riskcap.errors import RiskcapError
from riskcap.store.roles import ALL_DESKS, Role

keys_app = typer.Typer(
    help="API keys of the risk service (stored as hashes).", no_args_is_help=True
)
log = logging.getLogger("riskcap.schedule")


@keys_app.command("create")
def keys_create(
    role: Annotated[Role, typer.Option("--role", help="viewer, risk_manager or admin")],
    desks: Annotated[
        str, typer.Option("--desks", help="Comma-separated desks, or '*' for every desk")
    ] = ALL_DESKS,
    description: Annotated[str, typer.Option("--description", help="Who the key is for")] = "",
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key; it is printed once and only its hash is stored.

    An admin key is firm-wide (``--desks '*'``); named desks must exist in the lake's
    books.
    """
    from riskcap.data.lake import Lake
    from riskcap.store.catalog import Catalog
    from riskcap.store.service import create_key

    settings = load_settings(config)
    books = Lake.of(settings).read("books", columns=["desk"]).column("desk")
    known = {d for d in books.to_pylist() if d}
    with Catalog.of(settings) as catalog:
        key = create_key(catalog, role, desks.split(","), description, known_desks=known)
    if as_json:
        print(
            json.dumps(
                {
                    "key_id": key.key_id,
                    "key": key.token,
                    "role": key.role.value,
                    "desks": list(key.desks),
                }
            )
        )
        return
    console.print(f"key id {key.key_id}: {key.role.value} on {', '.join(key.desks)}")
    console.print("the key (shown once, store it now):")
    print(key.token)


@keys_app.command("list")
def keys_list(config: ConfigOpt = None) -> None:
    """Keys with their role, desks and state (never the secret)."""
    from riskcap.store.catalog import Catalog
    from riskcap.store.service import list_keys

    settings = load_settings(config)
    with Catalog.of(settings) as catalog:
        rows = list_keys(catalog)
    table = Table("key id", "role", "desks", "created", "revoked", "description")
    for k in rows:
        table.add_row(
            k.key_id,
            k.role,
            ", ".join(k.desks),
            f"{k.created_at:%Y-%m-%d %H:%M}",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "",
            k.description or "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (not the key)")],
    config: ConfigOpt = None,
) -> None:
    """Revoke a key (requests with it get 401 within a few seconds)."""
    from riskcap.store.catalog import Catalog
    from riskcap.store.service import revoke_key

    settings = load_settings(config)
    with Catalog.of(settings) as catalog:
        row = revoke_key(catalog, key_id)
    console.print(f"key {row.key_id} revoked")


def serve(
    host: Annotated[str | None, typer.Option(help="Address (default: service.host)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: service.port)")] = None,
    config: ConfigOpt = None,
) -> None:
    """Run the risk service (API under /v1, dashboard at /, metrics at /metrics)."""
    import uvicorn

    from riskcap.api.app import create_app
    from riskcap.api.server import server_options

    settings = load_settings(config)
    app = create_app(settings)
    options = server_options(settings, host, port)
    console.print(
        f"riskcap service on http://{options['host']}:{options['port']}/ (API docs at /docs)"
    )
    uvicorn.run(app, **options)


def next_business_run(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The next weekday at ``at`` strictly after ``now`` (local, naive times)."""
    candidate = dt.datetime.combine(now.date(), at)
    if candidate <= now:
        candidate += dt.timedelta(days=1)
    while candidate.weekday() >= 5:
        candidate += dt.timedelta(days=1)
    return candidate


def schedule(
    once: Annotated[
        bool, typer.Option("--once", help="Run the next EOD, then exit (else: every day)")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Run the EOD every business day at service.schedule_at (the scheduler container)."""
    from riskcap.pipeline.runner import run_eod

    settings = load_settings(config)
    at = dt.time.fromisoformat(settings.service.schedule_at)
    while True:
        due = next_business_run(dt.datetime.now(), at)
        console.print(f"next EOD {due.date()} at {due:%H:%M}")
        while (wait := (due - dt.datetime.now()).total_seconds()) > 0:
            time.sleep(min(wait, 60.0))
        try:
            outcome = run_eod(settings, due.date())
            console.print(f"EOD {due.date()}: run {outcome.run_id} {outcome.outcome.value}")
        except RiskcapError as exc:  # logged; tomorrow's run (or a retry) goes on
            log.error("EOD %s failed: %s", due.date(), exc)
            console.print(f"EOD {due.date()} failed: {exc}")
            if once:
                raise
        if once:
            return


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys", rich_help_panel=SERVICE)
    app.command("serve", rich_help_panel=SERVICE)(serve)
    app.command("schedule", rich_help_panel=SERVICE)(schedule)
