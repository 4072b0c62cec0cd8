"""The risk service's test world: the 3-day demo EOD world, run, with API keys.

``api_base`` runs the EOD of every day once per session (through ``run_eod``, as
the scheduler would); each test module gets its own copy (``api_dir``) so writes
(limits, alerts, ready events, triggered runs) never leak between modules.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from riskcap.api.app import create_app
from riskcap.config import Settings, load_settings
from riskcap.data.contract import IngestKind
from riskcap.data.ingest import ingest_file
from riskcap.data.lake import Lake
from riskcap.inputs.demo_basel3 import generate_basel3_inputs
from riskcap.pipeline.runner import run_eod
from riskcap.store.catalog import Catalog
from riskcap.store.service import Role, create_key, revoke_key
from tests.pipeline.conftest import demo_config, eod_base  # noqa: F401  (the session fixture)

DESK = "EQ-CASH"  # the desk the desk-scoped keys may see
OTHER_DESK = "RATES"


@dataclass(frozen=True)
class Keys:
    admin: str
    all_viewer: str  # viewer of every desk: firm totals, no writes
    firm_manager: str  # risk_manager of every desk: firm-wide writes
    desk_manager: str  # risk_manager of EQ-CASH
    desk_viewer: str  # viewer of EQ-CASH
    revoked: str


@dataclass(frozen=True)
class World:
    directory: Path
    settings: Settings
    days: list[dt.date]
    run_ids: dict[dt.date, str]
    keys: Keys


@pytest.fixture(scope="session")
def api_base(
    eod_base: tuple[Path, list[dt.date]],  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> World:
    base, days = eod_base
    target = tmp_path_factory.mktemp("api") / "world"
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("input"))
    config = target / "riskcap.toml"
    # the auth matrix sends hundreds of bad keys from one address: no throttle here
    # (tests/api/test_security.py tests the throttle on a world of its own)
    config.write_text(
        demo_config(
            pipeline={"checklist_timeout_s": 0},
            service={"auth_failures_per_minute": 1_000_000},
            basel3={"enabled": True},
        )
    )
    settings = load_settings(config)
    # the demo's synthetic Basel III inputs, for /v1/capital/adequacy and the dashboard
    lake = Lake(settings.lake_path)
    files = generate_basel3_inputs(
        lake.read("instruments").to_pandas(), "RISKCAP", days[0], settings.demo.seed, target / "b3"
    )
    for kind, path in files.in_order():
        ingest_file(lake, IngestKind(kind), path, max_bad_fraction=0.0, today=days[-1])
    run_ids = {d: run_eod(settings, d).run_id for d in days}
    with Catalog(settings.catalog_url) as catalog:
        revoked = create_key(catalog, Role.ADMIN, ["*"])
        revoke_key(catalog, revoked.key_id)
        keys = Keys(
            admin=create_key(catalog, Role.ADMIN, ["*"], "tests").token,
            all_viewer=create_key(catalog, Role.VIEWER, ["*"]).token,
            firm_manager=create_key(catalog, Role.RISK_MANAGER, ["*"]).token,
            desk_manager=create_key(catalog, Role.RISK_MANAGER, [DESK]).token,
            desk_viewer=create_key(catalog, Role.VIEWER, [DESK]).token,
            revoked=revoked.token,
        )
    return World(target, settings, days, run_ids, keys)


def copy_api_world(base: World, target: Path) -> World:
    shutil.copytree(base.directory, target)
    return World(target, load_settings(target / "riskcap.toml"), base.days, base.run_ids, base.keys)


@pytest.fixture(scope="module")
def world(api_base: World, tmp_path_factory: pytest.TempPathFactory) -> World:
    return copy_api_world(api_base, tmp_path_factory.mktemp("api-module") / "world")


@pytest.fixture(scope="module")
def app(world: World) -> FastAPI:
    return create_app(world.settings)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def auth(key: str) -> dict[str, str]:
    return {"X-API-Key": key}
