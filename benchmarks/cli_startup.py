"""How long `riskcap` takes to answer commands that do no maths (issue 27: ~2 s before).

Each command runs ``--repeat`` times in a fresh process (as a user types it); the JSON
line holds the median seconds of each, and the baseline measured in the same run: a
bare ``python -c pass`` (the interpreter's own start-up).

    python benchmarks/cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import report


def median_seconds(argv: list[str], repeat: int, cwd: Path) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "riskcap"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bare = median_seconds([sys.executable, "-c", "pass"], args.repeat, work)
        figures = {
            "help": median_seconds([*cli, "--help"], args.repeat, work),
            "init": median_seconds([*cli, "init", "--force"], args.repeat, work),
            "schema_trades": median_seconds([*cli, "schema", "trades"], args.repeat, work),
            "ingest_describe": median_seconds(
                [*cli, "ingest", "vols", "--describe"], args.repeat, work
            ),
        }
    report(
        "cli_startup",
        repeat=args.repeat,
        python_bare_seconds=round(bare, 3),
        **{f"{k}_seconds": round(v, 3) for k, v in figures.items()},
        ratio_help_to_bare=round(figures["help"] / bare, 2),
    )


if __name__ == "__main__":
    main()
