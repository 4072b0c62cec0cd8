"""Run the EOD DAG: run keys, lock, resume, retries, publish; and the backfill.

``run_eod(settings, as_of)``:

1. takes the run lock of ``as_of`` (:class:`~riskcap.store.locks.RunLock`; waits or
   fails per ``pipeline.lock``);
2. waits for the checklist (every source in ``eod.sources`` ready, up to
   ``pipeline.checklist_timeout_s``), then pins the current version of every input
   table and computes the **run key** = SHA-256(as_of, config hash, content of the
   input slices, code version, seed) (:mod:`riskcap.pipeline.fingerprint`);
3. a succeeded run with that key is returned as it is (nothing is computed twice)
   unless ``force``, which makes a new run id computing the same numbers; an
   unfinished run with that key (killed, or failed) is **resumed** with the versions
   it pinned, from its first task not done;
4. runs the tasks in the topological order of the task graph (stdlib
   ``graphlib``); each task is retried with exponential backoff on transient errors
   (I/O, lock and database timeouts) up to ``pipeline.max_attempts``, never on
   data errors; its status, attempts, checksum and detail are in the catalog;
5. ``publish`` stores the lineage manifest and marks the run succeeded in one
   transaction, then removes the run's checkpoint folder;
6. the run's figures are compared with the limits (:mod:`riskcap.pipeline.limits`):
   a breach becomes an alert row, a log line and, if configured, a webhook POST.
"""

from __future__ import annotations

import datetime as dt
import enum
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import filelock
import pyarrow.compute as pc
from deltalake.exceptions import CommitFailedError
from sqlalchemy.exc import OperationalError

from riskcap.choices import LockPolicy
from riskcap.config import Settings
from riskcap.data.lake import Lake
from riskcap.engine.compile_cache import use_compile_cache
from riskcap.errors import (
    CheckpointError,
    ConfigError,
    DataQualityError,
    IngestRejected,
    InputFileError,
    NotFoundError,
    RiskcapError,
    SnapshotNotReady,
)
from riskcap.pipeline.checkpoint import read_checkpoint
from riskcap.pipeline.fingerprint import (
    code_version,
    config_hash,
    input_digests,
    input_tables,
    json_digest,
    run_key,
)
from riskcap.pipeline.limits import check_limits
from riskcap.pipeline.lineage import build_manifest
from riskcap.pipeline.tasks import TASKS, task_order
from riskcap.pipeline.tasks import context as T
from riskcap.store.catalog import Catalog, Run, RunStatus, TaskStatus
from riskcap.store.locks import RunLock

# manifest output → the task that wrote it and the detail key of its lake version
PUBLISHED: tuple[tuple[str, str, str | None], ...] = (
    ("positions", "snapshot", "positions_version"),
    ("quality", "quality_gate", None),
    ("pnl_vectors", "revalue", "pnl_vectors_version"),
    ("results", "measures", "results_version"),
    ("backtest", "backtest", "backtest_version"),
    ("stressed_var", "stressed_var", "results_version"),
    ("capital", "capital", None),
    ("frtb", "frtb", "results_version"),
    ("frtb_sa", "frtb_sa", "results_version"),
    ("stress", "stress", None),
    ("basel3", "basel3", "results_version"),
)
CHECKPOINTED = ("market_prep", "scenarios")  # tasks whose output is a checkpoint file
DATA_ERRORS = (
    DataQualityError,
    SnapshotNotReady,
    ConfigError,
    NotFoundError,
    InputFileError,
    IngestRejected,
    CheckpointError,
)
TRANSIENT = (OSError, TimeoutError, filelock.Timeout, OperationalError, CommitFailedError)


def history_runs(settings: Settings) -> int:
    """How many earlier runs of record a run reads (backtest window, capital averages)."""
    return max(settings.backtest.window, settings.capital.average_days)


def is_transient(exc: BaseException) -> bool:
    """An error worth retrying: I/O, a lock or database timeout — never a data error."""
    if isinstance(exc, DATA_ERRORS):
        return False
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TRANSIENT):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class EventKind(enum.StrEnum):
    LOCK_WAIT = "lock_wait"
    CHECKLIST_WAIT = "checklist_wait"
    RUN = "run"
    TASK_START = "task_start"
    TASK_DONE = "task_done"
    TASK_SKIP = "task_skip"
    TASK_RETRY = "task_retry"
    TASK_FAIL = "task_fail"


@dataclass(frozen=True)
class Event:
    """Progress of a run, for the CLI's output and progress bars."""

    kind: EventKind
    as_of: dt.date
    run_id: str | None = None
    task: str | None = None
    attempt: int = 0
    seconds: float = 0.0
    message: str = ""


Observer = Callable[[Event], None]


class Outcome(enum.StrEnum):
    COMPUTED = "computed"  # a new run, computed from the start
    RESUMED = "resumed"  # an unfinished run with the same key, continued
    EXISTING = "existing"  # a succeeded run with the same key, returned as it is


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    run_key: str
    as_of: dt.date
    outcome: Outcome
    seconds: float
    skipped: tuple[str, ...] = ()  # tasks found done (resume)


def run_eod(
    settings: Settings,
    as_of: dt.date,
    *,
    force: bool = False,
    observer: Observer | None = None,
    sleep: Callable[[float], None] = time.sleep,
    run_id: str | None = None,
) -> RunOutcome:
    """Run (or return, or resume) the EOD of ``as_of``; see the module docstring.

    ``run_id`` is the id a newly created run gets (the service answers a trigger with
    it before the run starts); an existing or resumed run keeps its own id.

    Raises
    ------
    RunLocked
        Another run holds the lock of ``as_of`` and ``pipeline.lock = "fail"`` (or
        the wait timed out).
    SnapshotNotReady, DataQualityError, RiskcapError
        A task failed on its data; the run is marked failed with the message, and
        the next ``eod run`` of the same inputs resumes it from that task.
    """
    started = time.perf_counter()
    notify: Observer = observer or (lambda _e: None)
    p = settings.pipeline
    use_compile_cache(settings)
    lake = Lake.of(settings)
    lake.create_all()
    catalog = Catalog.of(settings)
    try:
        lock = RunLock(
            catalog.engine,
            as_of,
            wait=p.lock is LockPolicy.WAIT,
            timeout_s=p.lock_timeout_s,
            on_wait=lambda name: notify(Event(EventKind.LOCK_WAIT, as_of, message=name)),
        )
        with lock:
            T.wait_for_sources(
                catalog,
                settings.eod.sources,
                as_of,
                p.checklist_timeout_s,
                p.checklist_poll_s,
                sleep=sleep,
                on_wait=lambda missing: notify(
                    Event(EventKind.CHECKLIST_WAIT, as_of, message=", ".join(missing))
                ),
            )
            pinned = lake.versions(input_tables(settings))
            digests = input_digests(lake, pinned, as_of)
            prior = catalog.runs_of_record(before=as_of, limit=history_runs(settings))
            digests["prior_runs"] = json_digest({d.isoformat(): r for d, r in prior.items()})
            cfg_hash = config_hash(settings)
            code = code_version()
            key = run_key(as_of, cfg_hash, code, settings.risk.seed, digests)
            runs = catalog.runs_by_key(key)
            done = next((r for r in runs if r.status == RunStatus.SUCCEEDED), None)
            if done is not None and not force:
                shutil.rmtree(settings.work_path / done.run_id, ignore_errors=True)
                notify(Event(EventKind.RUN, as_of, done.run_id, message="existing"))
                return RunOutcome(
                    done.run_id, key, as_of, Outcome.EXISTING, time.perf_counter() - started
                )
            unfinished = next((r for r in runs if r.status != RunStatus.SUCCEEDED), None)
            if unfinished is not None and not force:
                run, outcome = unfinished, Outcome.RESUMED
                pinned = {t: int(v) for t, v in (run.inputs or {})["versions"].items()}
                prior = {
                    dt.date.fromisoformat(d): r
                    for d, r in (run.inputs or {}).get("prior_runs", {}).items()
                }
            else:
                run, outcome = (
                    catalog.create_run(
                        Run(
                            run_id=run_id or str(uuid.uuid4()),
                            run_key=key,
                            as_of=as_of,
                            status=RunStatus.RUNNING,
                            engine="local",
                            config_hash=cfg_hash,
                            seed=settings.risk.seed,
                            code_version=code,
                            inputs={
                                "versions": pinned,
                                "digests": digests,
                                "prior_runs": {d.isoformat(): r for d, r in prior.items()},
                            },
                        )
                    ),
                    Outcome.COMPUTED,
                )
            catalog.set_run_status(run.run_id, RunStatus.RUNNING)
            ctx = T.RunContext(
                run.run_id, as_of, settings, lake, catalog, pinned, sleep=sleep, prior_runs=prior
            )
            skipped = _execute(ctx, run, notify, outcome)
            check_limits(catalog, run.run_id, settings.service)
            return RunOutcome(
                run.run_id, key, as_of, outcome, time.perf_counter() - started, skipped
            )
    finally:
        catalog.dispose()


def _execute(ctx: T.RunContext, run: Run, notify: Observer, outcome: Outcome) -> tuple[str, ...]:
    catalog = ctx.catalog
    order = task_order()
    done = {
        t.name: T.TaskOutput(t.checksum or "", dict(t.detail or {}))
        for t in catalog.tasks(run.run_id)
        if t.status == TaskStatus.DONE
    }
    for i, name in enumerate(order):  # a lost or altered checkpoint: redo from its task
        if name in CHECKPOINTED and name in done:
            try:
                read_checkpoint(ctx.checkpoint(name), done[name].checksum)
            except CheckpointError:
                for later in order[i:]:
                    if done.pop(later, None) is not None:
                        catalog.reset_task(run.run_id, later)
    ctx.outputs = dict(done)
    first = next((n for n in order if n not in done), None)
    notify(
        Event(
            EventKind.RUN,
            ctx.as_of,
            run.run_id,
            message=f"{outcome.value}" + (f" from {first}" if outcome is Outcome.RESUMED else ""),
        )
    )
    for name in order:
        if name in done:
            notify(Event(EventKind.TASK_SKIP, ctx.as_of, run.run_id, name))
            continue
        ctx.outputs[name] = _attempt(ctx, run, name, notify)
    return tuple(n for n in order if n in done)


def _attempt(ctx: T.RunContext, run: Run, name: str, notify: Observer) -> T.TaskOutput:
    p = ctx.settings.pipeline
    catalog = ctx.catalog
    tries = 0
    while True:
        tries += 1
        attempt = catalog.start_task(run.run_id, name)
        notify(Event(EventKind.TASK_START, ctx.as_of, run.run_id, name, attempt))
        t0 = time.perf_counter()
        try:
            if name == "publish":
                out = _publish(ctx, run)
            else:
                out = TASKS[name](ctx)
                catalog.finish_task(run.run_id, name, out.checksum, out.detail)
        except Exception as exc:
            message = _one_line(exc)
            if is_transient(exc) and tries < p.max_attempts:
                catalog.fail_task(run.run_id, name, message, TaskStatus.RETRYING)
                notify(
                    Event(EventKind.TASK_RETRY, ctx.as_of, run.run_id, name, attempt, 0, message)
                )
                ctx.sleep(p.backoff_s * 2 ** (tries - 1))
                continue
            catalog.fail_task(run.run_id, name, message, TaskStatus.FAILED)
            catalog.set_run_status(run.run_id, RunStatus.FAILED, f"{name}: {message}")
            notify(Event(EventKind.TASK_FAIL, ctx.as_of, run.run_id, name, attempt, 0, message))
            raise
        notify(
            Event(
                EventKind.TASK_DONE,
                ctx.as_of,
                run.run_id,
                name,
                attempt,
                time.perf_counter() - t0,
            )
        )
        return out


def _publish(ctx: T.RunContext, run: Run) -> T.TaskOutput:
    outputs: dict[str, dict[str, Any]] = {}
    for output, task, version_key in PUBLISHED:
        out = ctx.outputs[task]
        outputs[output] = {"sha256": out.checksum}
        if "skipped" in out.detail:  # a task switched off in the config writes nothing
            outputs[output] |= {"skipped": out.detail["skipped"]}
        elif version_key is not None:
            outputs[output] |= {"version": out.detail[version_key], "rows": out.detail["rows"]}
    records = [t for t in ctx.catalog.tasks(run.run_id) if t.name != "publish"]
    tasks = [{"name": t.name, "checksum": t.checksum, "attempts": t.attempts} for t in records]
    inputs = run.inputs or {}
    manifest = build_manifest(
        run_id=run.run_id,
        run_key=run.run_key,
        as_of=ctx.as_of.isoformat(),
        created_at=run.created_at.isoformat(),
        settings=ctx.settings,
        config_hash=run.config_hash,
        inputs={
            t: {"version": inputs["versions"][t], "sha256": inputs["digests"][t]}
            for t in sorted(inputs.get("versions", {}))
        },
        tasks=tasks,
        outputs=outputs,
        prior_runs=inputs.get("prior_runs", {}),
    )
    checksum = json_digest(
        {"outputs": outputs, "tasks": [[t["name"], t["checksum"]] for t in tasks]}
    )
    ctx.catalog.publish(run.run_id, manifest, checksum, {"outputs": sorted(outputs)})
    T.remove_work_dir(ctx)
    return T.TaskOutput(checksum, {"outputs": sorted(outputs)})


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:2000]


# -- backfill -----------------------------------------------------------------------------
def business_days(lake: Lake, start: dt.date, end: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """Weekdays in ``[start, end]`` with market data, and the weekdays without any.

    The bundled data's own calendar decides holidays: a weekday with no price at all
    is an exchange holiday and is skipped (and listed, so a gap is never silent).
    """
    if end < start:
        raise RiskcapError(f"backfill range is empty: {start} is after {end}")
    dates = lake.read(
        "market_data", filters=[("date", ">=", start), ("date", "<=", end)], columns=["date"]
    ).column("date")
    with_data = set(pc.unique(dates).to_pylist())
    days: list[dt.date] = []
    skipped: list[dt.date] = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            (days if day in with_data else skipped).append(day)
        day += dt.timedelta(days=1)
    return days, skipped


def backfill(
    settings: Settings,
    days: list[dt.date],
    *,
    force: bool = False,
    observer: Observer | None = None,
    on_day: Callable[[dt.date, RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Run the EOD of each day in order (each is idempotent: done days return at once).

    Stops at the first failing day (later snapshots roll forward from it) by raising
    its error.
    """
    out = []
    for day in days:
        result = run_eod(settings, day, force=force, observer=observer)
        out.append(result)
        if on_day is not None:
            on_day(day, result)
    return out
