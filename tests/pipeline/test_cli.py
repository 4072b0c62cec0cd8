"""The pipeline commands end to end: eod run/backfill, runs list/show, lineage, reproduce."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from riskcap.cli import run


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_eod_commands(
    sqlite_dir: Path, days: list[dt.date], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(sqlite_dir / "riskcap.toml")
    assert run(["eod", "run", "--as-of", str(days[0]), "-c", cfg]) == 0
    out = capsys.readouterr().out
    assert "✓ revalue" in out and "computed in" in out and "desk:EQ-DERIV" in out
    assert "HS 10d" in out and "MC 1d" in out

    assert run(["eod", "run", "--as-of", str(days[0]), "-c", cfg, "--json"]) == 0
    again = _json(capsys)
    assert isinstance(again, dict) and again["outcome"] == "existing"
    run_id = again["run_id"]
    # HS 1d/10d, MC 1d, stressed 10d × 2 × 2 per node (24 nodes); 12 FRTB figures per node
    # and the IMA set (7 and one ES per risk class: the demo book spans all five)
    # and the FRTB SA (issue 20): per node its totals (sa, sbm, drc, rrao, sbm under each
    # of the three scenarios) and one figure per risk class, measure and scenario held
    sa = [r for r in again["results"] if r["method"] == "frtb_sa"]
    assert len(again["results"]) - len(sa) == 24 * 16 + 25 * 12
    by_node: dict[str, set[str]] = {}
    for r in sa:
        by_node.setdefault(r["node"], set()).add(r["measure"])
    assert len(by_node) == 24
    totals = {"sa", "sbm", "drc", "rrao", "sbm:high", "sbm:medium", "sbm:low"}
    assert all(totals <= measures for measures in by_node.values())

    assert run(["runs", "list", "-c", cfg, "--json"]) == 0
    listed = _json(capsys)
    assert isinstance(listed, list) and [r["run_id"] for r in listed] == [run_id]
    assert listed[0]["status"] == "succeeded"
    assert run(["runs", "list", "-c", cfg]) == 0
    assert run_id[:8] in capsys.readouterr().out

    assert run(["runs", "show", run_id[:8], "-c", cfg, "--json"]) == 0
    shown = _json(capsys)
    assert isinstance(shown, dict) and [t["attempts"] for t in shown["tasks"]] == [1] * 15
    assert run(["runs", "show", run_id, "-c", cfg]) == 0
    assert "quality_gate" in capsys.readouterr().out

    assert run(["lineage", run_id, "-c", cfg, "--json"]) == 0
    manifest = _json(capsys)
    assert isinstance(manifest, dict) and manifest["inputs"]["trades"]["version"] >= 0
    assert run(["lineage", run_id, "-c", cfg]) == 0
    assert "pinned versions" in capsys.readouterr().out

    scratch = sqlite_dir.parent / "scratch"
    assert run(["reproduce", run_id, "-c", cfg, "--scratch", str(scratch), "--json"]) == 0
    rep = _json(capsys)
    assert isinstance(rep, dict) and rep["identical"] and rep["run_key_identical"]
    assert (scratch / "lake").exists()  # a given scratch folder is kept
    assert run(["reproduce", run_id, "-c", cfg]) == 0
    assert "identical" in capsys.readouterr().out


def test_eod_command_errors(
    sqlite_dir: Path, days: list[dt.date], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(sqlite_dir / "riskcap.toml")
    assert run(["eod", "run", "--as-of", "2023-01-03", "-c", cfg]) == 6
    err = capsys.readouterr().err
    assert "source(s) not ready: positions, trades, market_data" in err
    assert run(["eod", "run", "--as-of", "2022-13-01", "-c", cfg]) == 2
    assert run(["runs", "show", "nosuchrun", "-c", cfg]) == 10
    assert "no run 'nosuchrun'" in capsys.readouterr().err
    assert run(["lineage", "00000000-0000", "-c", cfg]) == 10
    assert run(["reproduce", "00000000-0000", "-c", cfg]) == 10
    assert run(["eod", "backfill", "--from", str(days[-1]), "--to", str(days[0]), "-c", cfg]) == 1
    assert "empty" in capsys.readouterr().err


def test_backfill_command(
    sqlite_dir: Path, days: list[dt.date], capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(sqlite_dir / "riskcap.toml")
    args = ["eod", "backfill", "--from", str(days[0]), "--to", str(days[-1]), "-c", cfg]
    assert run(args) == 0
    out = capsys.readouterr().out
    assert "3 computed" in out and "skipped as holidays: 2022-12-26" in out
    assert run(args) == 0
    assert "3 already done" in capsys.readouterr().out
    early = ["eod", "backfill", "--from", "2022-12-20", "--to", str(days[-1]), "-c", cfg]
    assert run(early) == 6  # no ready events before the demo's days
    assert "backfill stopped at 2022-12-20 after 0 of" in capsys.readouterr().err
