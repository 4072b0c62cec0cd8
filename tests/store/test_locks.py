"""The EOD run lock on SQLite (file lock) and PostgreSQL (advisory lock)."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import signal
import time

import pytest

from riskcap.errors import CatalogError, RunLocked
from riskcap.store.catalog import Catalog
from riskcap.store.locks import RunLock

DAY = dt.date(2022, 12, 28)


def test_a_second_holder_is_refused_or_waits(catalog_url: str) -> None:
    cat = Catalog(catalog_url)
    with RunLock(cat.engine, DAY):
        with pytest.raises(RunLocked, match=f"eod:firm:{DAY}"):
            RunLock(cat.engine, DAY, wait=False).acquire()
        told: list[str] = []
        started = time.monotonic()
        with pytest.raises(RunLocked, match=r"waited 0\.3 s"):
            RunLock(cat.engine, DAY, timeout_s=0.3, poll_s=0.05, on_wait=told.append).acquire()
        assert time.monotonic() - started >= 0.3 and told == [f"eod:firm:{DAY}"]
        assert RunLock(cat.engine, DAY).held_elsewhere()
        with RunLock(cat.engine, DAY + dt.timedelta(days=1), wait=False):  # other dates free
            pass
    with RunLock(cat.engine, DAY, wait=False):  # released on exit
        pass
    assert not RunLock(cat.engine, DAY).held_elsewhere()
    cat.dispose()


def _hold_forever(url: str, ready: mp.Event) -> None:  # type: ignore[type-arg]
    cat = Catalog(url)
    lock = RunLock(cat.engine, DAY)
    lock.acquire()
    ready.set()
    time.sleep(600)
    lock.release()


def test_the_lock_dies_with_its_process(catalog_url: str) -> None:
    """kill -9 of the holder frees the lock (kernel flock / PostgreSQL session end)."""
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_forever, args=(catalog_url, ready))
    proc.start()
    assert ready.wait(60)
    cat = Catalog(catalog_url)
    assert RunLock(cat.engine, DAY).held_elsewhere()
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    with RunLock(cat.engine, DAY, timeout_s=10, poll_s=0.1):
        pass
    cat.dispose()


def test_in_memory_sqlite_cannot_lock() -> None:
    cat = Catalog("sqlite:///:memory:")
    with pytest.raises(CatalogError, match="in-memory"):
        RunLock(cat.engine, DAY)
