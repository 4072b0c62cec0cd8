"""Shared helpers: one JSON line per run, appended to benchmarks/results/<name>.jsonl."""

from __future__ import annotations

import datetime as dt
import json
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jax

RESULTS = Path(__file__).parent / "results"
T = TypeVar("T")


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """(fastest seconds, last result) of ``repeat`` calls of ``fn`` (at least one)."""
    times = []
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def device() -> str:
    d = jax.devices()[0]
    return f"{d.platform}:{getattr(d, 'device_kind', d.platform)}"


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def report(name: str, **fields: Any) -> dict[str, Any]:
    record = {
        "name": name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "device": device(),
        "cpu_count": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        **fields,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    line = json.dumps(record)
    print(line)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / f"{name}.jsonl").open("a") as fh:
        fh.write(line + "\n")
    sys.stdout.flush()
    return record
