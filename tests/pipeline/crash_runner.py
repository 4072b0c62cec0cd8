"""A riskcap EOD run that dies (SIGKILL) or blocks at a chosen point; for crash tests.

    python -m tests.pipeline.crash_runner CONFIG AS_OF MODE TASK [MARKER]

MODE
    ``after``        kill -9 itself right after TASK is recorded done (a task boundary)
    ``before-done``  kill -9 after TASK wrote its outputs, before it is recorded done
    ``mid-revalue``  kill -9 during revalue, after the first scenario set (TASK ignored)
    ``block``        when TASK starts: create MARKER, wait until MARKER.release exists

The kill is ``os.kill(os.getpid(), SIGKILL)``: no cleanup, no atexit, no flush —
the same as ``kill -9`` from outside, at a deterministic point.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from riskcap.cli import run
from riskcap.pipeline.tasks import revalue as revalue_module
from riskcap.store.catalog import Catalog


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    config, as_of, mode, task = argv[:4]
    marker = Path(argv[4]) if len(argv) > 4 else None
    finish = Catalog.finish_task
    publish = Catalog.publish
    start = Catalog.start_task

    if mode == "after":

        def finish_then_die(self: Catalog, run_id: str, name: str, *a: Any, **k: Any) -> None:
            finish(self, run_id, name, *a, **k)
            if name == task and k.get("session") is None:
                _die()

        Catalog.finish_task = finish_then_die  # type: ignore[method-assign]
    elif mode == "before-done":

        def die_before_finish(self: Catalog, run_id: str, name: str, *a: Any, **k: Any) -> None:
            if name == task:
                _die()
            finish(self, run_id, name, *a, **k)

        def die_before_publish(self: Catalog, *a: Any, **k: Any) -> None:
            if task == "publish":
                _die()
            publish(self, *a, **k)

        Catalog.finish_task = die_before_finish  # type: ignore[method-assign]
        Catalog.publish = die_before_publish  # type: ignore[method-assign]
    elif mode == "mid-revalue":
        real = revalue_module.revalue_scenario_set
        calls = []

        def revalue_then_die(*a: Any, **k: Any) -> Any:
            calls.append(1)
            if len(calls) == 2:
                _die()
            return real(*a, **k)

        revalue_module.revalue_scenario_set = revalue_then_die  # type: ignore[assignment]
    elif mode == "block":
        assert marker is not None

        def start_and_block(self: Catalog, run_id: str, name: str) -> int:
            attempt = start(self, run_id, name)
            if name == task:
                marker.write_text(str(os.getpid()))
                release = marker.with_name(marker.name + ".release")
                while not release.exists():
                    time.sleep(0.05)
            return attempt

        Catalog.start_task = start_and_block  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown mode {mode}")
    return run(["eod", "run", "--as-of", as_of, "--config", config])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
