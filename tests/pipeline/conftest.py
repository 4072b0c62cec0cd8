"""A small EOD world for the pipeline tests: the demo's inputs for 3 business days.

``eod_base`` is built once per session through the real demo preparation (files,
validating ingest, ready events) with no EOD run yet; each test gets its own copy
(``eod_dir``), pointed at SQLite or PostgreSQL as the test asks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from riskcap.cli.demo import prepare_demo
from riskcap.config import Settings, demo_historical_windows, load_settings
from riskcap.store.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]


def _toml(value: Any) -> str:
    return json.dumps(value.isoformat() if isinstance(value, dt.date) else value)


def demo_config(**sections: dict[str, Any]) -> str:
    """A small config of the demo world: 3 days, 2,000 MC scenarios, the demo's named
    stress windows, plus ``sections`` (tables of scalar keys; tests append more)."""
    tables = {"demo": {"days": 3}, "risk": {"mc_scenarios": 2000}, **sections}
    lines = [f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items())
             for name, keys in tables.items()]  # fmt: skip
    for w in demo_historical_windows():
        lines.append(
            "[[stress.historical]]\n"
            + "".join(f"{k} = {_toml(v)}\n" for k, v in w.model_dump().items())
        )
    return "\n".join(lines)


BASE_CONFIG = demo_config()


@pytest.fixture(scope="session")
def eod_base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dt.date]]:
    base = tmp_path_factory.mktemp("eod-base")
    (base / "riskcap.toml").write_text(BASE_CONFIG)
    setup = prepare_demo(base, Console(quiet=True))
    return base, setup.trade_dates


def copy_world(base: Path, target: Path, catalog_url: str | None = None) -> Path:
    """Copy the prepared folder; with ``catalog_url`` use that catalog (ready events copied)."""
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("input"))
    if catalog_url is not None:
        config = target / "riskcap.toml"
        config.write_text(config.read_text() + f'\n[catalog]\nurl = "{catalog_url}"\n')
        source = Catalog(f"sqlite:///{base / 'catalog.db'}")
        target_catalog = Catalog(catalog_url)
        with source.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT source, as_of FROM ready_events").fetchall()
        for name, as_of in rows:
            target_catalog.mark_ready(name, dt.date.fromisoformat(str(as_of)), "test")
        source.dispose()
        target_catalog.dispose()
    return target


@pytest.fixture
def eod_dir(eod_base: tuple[Path, list[dt.date]], tmp_path: Path, catalog_url: str) -> Path:
    """A private copy of the EOD world on the parametrised catalog backend."""
    base, _ = eod_base
    url = None if catalog_url.startswith("sqlite") else catalog_url
    return copy_world(base, tmp_path / "world", url)


@pytest.fixture
def sqlite_dir(eod_base: tuple[Path, list[dt.date]], tmp_path: Path) -> Path:
    base, _ = eod_base
    return copy_world(base, tmp_path / "world")


@pytest.fixture
def days(eod_base: tuple[Path, list[dt.date]]) -> list[dt.date]:
    return eod_base[1]


def settings_of(directory: Path) -> Settings:
    return load_settings(directory / "riskcap.toml")


def subprocess_env(cache: Path) -> dict[str, str]:
    """Environment of a child riskcap: a shared persistent JAX compilation cache."""
    env = dict(os.environ)
    env.update(
        JAX_COMPILATION_CACHE_DIR=str(cache),
        JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
        JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture(scope="session")
def child_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return subprocess_env(tmp_path_factory.mktemp("jax-cache"))


def run_child(
    args: list[str], env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )
