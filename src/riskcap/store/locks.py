"""The EOD run lock: one writer per (as_of, scope), across processes, via the catalog.

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a
  dedicated connection for the length of the run. The server releases it when that
  connection ends, so a process killed with ``kill -9`` never leaves it behind.
* SQLite: an OS file lock (``flock`` through ``filelock``) on a file beside the
  catalog database; the kernel releases it when the process dies.

Either way the lock is taken without blocking and, in ``wait`` mode, retried every
``poll_s`` seconds until ``timeout_s``, so the caller can say who it is waiting for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text

from riskcap.errors import CatalogError, RunLocked


def _advisory_key(name: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock`` from the lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class RunLock:
    """Exclusive lock named ``eod:<scope>:<as_of>`` (a context manager).

    Parameters
    ----------
    engine : the catalog's engine (SQLite file or PostgreSQL).
    as_of, scope : what the lock protects (scope is the book scope, ``firm`` today).
    wait : wait for the holder (True) or raise :class:`RunLocked` at once (False).
    timeout_s, poll_s : the longest wait and the interval between two tries.
    on_wait : called once with the lock name when the lock is found taken.
    """

    def __init__(
        self,
        engine: Engine,
        as_of: dt.date,
        *,
        scope: str = "firm",
        wait: bool = True,
        timeout_s: float = 3600.0,
        poll_s: float = 0.2,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.name = f"eod:{scope}:{as_of.isoformat()}"
        self.wait = wait
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.on_wait = on_wait
        self._conn: Connection | None = None
        self._file: FileLock | None = None
        backend = engine.url.get_backend_name()
        if backend == "sqlite":
            database = engine.url.database
            if not database or database == ":memory:":
                raise CatalogError("an in-memory SQLite catalog cannot lock runs; use a file")
            folder = Path(database + ".locks")
            folder.mkdir(parents=True, exist_ok=True)
            self._file = FileLock(str(folder / (self.name.replace(":", "_") + ".lock")))
        elif backend != "postgresql":
            raise CatalogError(f"run locks need a SQLite or PostgreSQL catalog, not {backend}")

    def _try(self) -> bool:
        if self._file is not None:
            try:
                self._file.acquire(timeout=0)
                return True
            except Timeout:
                return False
        if self._conn is None:
            self._conn = self.engine.connect()
        got = self._conn.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": _advisory_key(self.name)}
        ).scalar()
        self._conn.commit()
        return bool(got)

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        told = False
        while not self._try():
            if not self.wait:
                self._close()
                raise RunLocked(
                    f"another EOD run holds the lock {self.name}; it was not started "
                    '(set pipeline.lock = "wait" to wait for it)'
                )
            if not told and self.on_wait is not None:
                self.on_wait(self.name)
                told = True
            if time.monotonic() >= deadline:
                self._close()
                raise RunLocked(
                    f"waited {self.timeout_s:g} s for the lock {self.name} held by another "
                    "EOD run; giving up (pipeline.lock_timeout_s)"
                )
            time.sleep(self.poll_s)

    def release(self) -> None:
        if self._file is not None:
            if self._file.is_locked:
                self._file.release()
            return
        if self._conn is not None:
            self._conn.execute(
                text("SELECT pg_advisory_unlock(:k)"), {"k": _advisory_key(self.name)}
            )
            self._conn.commit()
        self._close()

    def held_elsewhere(self) -> bool:
        """Whether another process holds the lock right now (a probe; leaves it free)."""
        if self._try():
            self.release()
            return False
        self._close()
        return True

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
