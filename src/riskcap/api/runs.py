"""EOD runs the service was asked for: a queue worked by one background thread.

``POST /v1/runs`` stores a :class:`~riskcap.store.catalog.RunRequest` and answers
202 with its id at once; the worker then calls
:func:`~riskcap.pipeline.runner.run_eod` with that id, so a newly computed run has
exactly the id the caller was given. A request that finds the same inputs already
run (or an unfinished run to resume) points at that run instead. One run at a time:
the EOD lock serialises runs of one date anyway, and the revaluation uses every
core. Requests still queued when the service stops are marked failed (nothing is
half-run: an interrupted run resumes on its next trigger).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from collections.abc import Callable

from riskcap.config import Settings
from riskcap.errors import RiskcapError
from riskcap.pipeline.runner import Event, EventKind, run_eod
from riskcap.store.catalog import Catalog
from riskcap.store.service import update_request

log = logging.getLogger("riskcap.api.runs")

_STOP = object()


class RunQueue:
    """One worker thread running queued EOD requests in order."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        on_event: Callable[[Event], None] | None = None,
        on_done: Callable[[str, float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.on_event = on_event or (lambda _e: None)
        self.on_done = on_done or (lambda _o, _s: None)
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="riskcap-eod", daemon=True)
            self._thread.start()

    def submit(self, request_id: str, as_of: dt.date, force: bool) -> None:
        self.start()
        self._queue.put((request_id, as_of, force))

    def stop(self, timeout_s: float | None = None) -> None:
        """Fail the queued requests, let the running one finish (up to ``timeout_s``)."""
        self._stopping.set()
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, tuple):
                update_request(
                    self.catalog,
                    item[0],
                    status="failed",
                    message="the service stopped before the run started; trigger it again",
                )
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout_s)

    def join_idle(self, timeout_s: float) -> bool:
        """Wait until the queue is empty and no run is in progress (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout_s)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            if not isinstance(item, tuple):
                raise TypeError(f"unexpected item on the EOD request queue: {item!r}")
            request_id, as_of, force = item
            if self._stopping.is_set():
                continue
            self._run(request_id, as_of, force)

    def _run(self, request_id: str, as_of: dt.date, force: bool) -> None:
        update_request(self.catalog, request_id, status="running")
        seen: set[str] = set()

        def observe(event: Event) -> None:
            if event.run_id and event.run_id not in seen:
                seen.add(event.run_id)
                update_request(self.catalog, request_id, run_id=event.run_id)
            if event.kind in (EventKind.TASK_DONE, EventKind.TASK_FAIL):
                self.on_event(event)

        try:
            outcome = run_eod(
                self.settings, as_of, force=force, observer=observe, run_id=request_id
            )
        except RiskcapError as exc:
            log.warning("EOD %s (request %s) failed: %s", as_of, request_id, exc)
            update_request(self.catalog, request_id, status="failed", message=str(exc)[:2000])
            return
        except Exception:  # a bug: keep the worker alive, keep the details in the log
            log.exception("EOD %s (request %s) failed", as_of, request_id)
            update_request(
                self.catalog,
                request_id,
                status="failed",
                message="internal error; the service log has the details",
            )
            return
        update_request(
            self.catalog,
            request_id,
            status="succeeded",
            run_id=outcome.run_id,
            outcome=outcome.outcome.value,
        )
        self.on_done(outcome.outcome.value, outcome.seconds)
