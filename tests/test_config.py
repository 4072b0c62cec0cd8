"""Config: the generated default file, validation errors, path resolution."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from riskcap.cli import run
from riskcap.config import Settings, Severity, default_config_text, load_settings
from riskcap.errors import ConfigError


def test_default_text_parses_back_to_the_defaults(tmp_path: Path) -> None:
    text = default_config_text()
    assert "# Reject a whole file" in text  # commented
    parsed = Settings(base_dir=tmp_path, **tomllib.loads(text))
    assert parsed == Settings(base_dir=tmp_path)
    assert parsed.quality.stale_prices.severity is Severity.WARNING


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "riskcap.toml"
    path.write_text('[lake]\npath = "data/lake"\n[catalog]\nurl = "sqlite:///cat.db"\n')
    s = load_settings(path)
    assert s.lake_path == str(tmp_path / "cfg" / "data" / "lake")
    assert s.catalog_url == f"sqlite:///{tmp_path / 'cfg' / 'cat.db'}"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[ingest]\nmax_bad_fraction = 2.0\n", "key 'ingest.max_bad_fraction'"),
        ("[lake]\npaht = 'x'\n", "key 'lake.paht'"),
        ("[quality.stale_prices]\nseverity = 'fatal'\n", "severity"),
        ("not toml = = =", "not a readable TOML file"),
        (
            "[pipeline]\nconfidences = [0.99]\n",
            "FRTB desk backtesting needs VaR at 99 % and 97.5 %",
        ),
        (
            "[[frtb.factor_classes]]\nrisk_class = 'equity'\nliquidity_horizon = 15\n",
            "frtb.factor_classes.0.liquidity_horizon",
        ),
    ],
)
def test_invalid_config_is_a_config_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "riskcap.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"riskcap\.toml") as info:
        load_settings(path)
    assert fragment in str(info.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_env_var_names_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.toml"
    path.write_text("[demo]\ndays = 9\n")
    monkeypatch.setenv("RISKCAP_CONFIG", str(path))
    assert load_settings().demo.days == 9


def test_cli_init_writes_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "riskcap.toml"
    assert run(["init", str(path)]) == 0
    assert load_settings(path) == Settings(base_dir=tmp_path)
    assert run(["init", str(path)]) == 1
    assert "exists; use --force" in capsys.readouterr().err
    assert run(["init", str(path), "--force"]) == 0
    path.write_text("[ingest]\nmax_bad_fraction = -1\n")
    assert run(["lake", "tables", "-c", str(path)]) == ConfigError.exit_code
