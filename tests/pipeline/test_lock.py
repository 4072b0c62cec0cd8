"""Two ``eod run`` processes for the same date: never two writers.

Process A holds the run lock (it blocks inside ``market_prep``). With
``pipeline.lock = "fail"`` a second process exits at once with code 11 and a clear
message; with ``"wait"`` it waits, then returns A's run as already computed.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest

from riskcap.store.catalog import Catalog
from tests.pipeline.conftest import ROOT, copy_world, run_child, settings_of


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def _cli(args: list[str]) -> list[str]:
    return [sys.executable, "-c", "from riskcap.cli import main; main()", *args]


@pytest.mark.slow
def test_a_second_run_fails_or_waits_while_the_first_holds_the_lock(
    eod_base: tuple[Path, list[dt.date]],
    tmp_path: Path,
    child_env: dict[str, str],
    catalog_url: str,
) -> None:
    base, days = eod_base
    url = None if catalog_url.startswith("sqlite") else catalog_url
    world = copy_world(base, tmp_path / "world", url)
    config = world / "riskcap.toml"
    failing = world / "riskcap-fail.toml"
    failing.write_text(config.read_text() + '\n[pipeline]\nlock = "fail"\n')
    marker = tmp_path / "blocked"
    day = str(days[0])

    first = subprocess.Popen(
        [sys.executable, "-m", "tests.pipeline.crash_runner", str(config), day, "block",
         "market_prep", str(marker)],
        env=child_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(marker, first)
        refused = run_child(["-c", "from riskcap.cli import main; main()", "eod", "run",
                             "--as-of", day, "-c", str(failing)], child_env)  # fmt: skip
        assert refused.returncode == 11
        assert f"another EOD run holds the lock eod:firm:{day}" in refused.stderr

        waiting = subprocess.Popen(
            _cli(["eod", "run", "--as-of", day, "-c", str(config)]),
            env=child_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(3)
        assert waiting.poll() is None  # still waiting for the lock
        marker.with_name(marker.name + ".release").write_text("go")
        out_first, err_first = first.communicate(timeout=300)
        out_wait, err_wait = waiting.communicate(timeout=300)
    finally:
        first.kill()
    assert first.returncode == 0, err_first
    assert waiting.returncode == 0, err_wait
    assert "waiting for the lock" in out_wait
    cat = Catalog(settings_of(world).catalog_url)
    (run,) = cat.list_runs(days[0])
    cat.dispose()
    assert run.status == "succeeded" and run.run_id in out_first
    assert "already computed" in out_wait and run.run_id in out_wait.replace("\n", "")
