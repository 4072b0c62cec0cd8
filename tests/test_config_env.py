"""Environment variables for every config key (what the containers are configured by).

Every leaf key of :class:`Settings` is set through ``RISKCAP_<SECTION>__<KEY>`` to a
value other than its default, and must arrive in the loaded settings exactly as
the same value written in a TOML file would.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from riskcap.config import Settings, default_config_text, load_settings
from riskcap.errors import ConfigError


def _leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _leaves(ann, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


def _get(settings: BaseModel, path: tuple[str, ...]) -> Any:
    value: Any = settings
    for key in path:
        value = getattr(value, key)
    return value


def _nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {path[-1]: value}
    for key in reversed(path[:-1]):
        out = {key: out}
    return out


def _candidates(default: Any) -> list[Any]:
    if isinstance(default, bool):
        return [not default]
    if isinstance(default, enum.Enum):
        return [m.value for m in type(default) if m is not default]
    if isinstance(default, int):
        return [default + 1, default - 1, default * 2]
    if isinstance(default, float):
        return [default * 0.9, default * 1.1, default + 1.0, 0.5, 0.01]
    if isinstance(default, dict):  # basel3's year → floor and country → CCyB rate
        return [{"2025": 0.05}]
    if isinstance(default, str):
        words = ["spark", "sqrt_time", "student_t", "cornish_fisher", "fail", "mc", "hs"]
        return [default + "x", "mc_10d", "07:15", "0750", *words, "sqlite:///other.db"]
    if isinstance(default, list):
        dumped = [x.model_dump(mode="json") if isinstance(x, BaseModel) else x for x in default]
        window = {"name": "w1", "start": "2020-02-19", "end": "2020-03-23"}
        return [dumped[:1], dumped[::-1], [0.975], [10], ["positions"], [window]]
    if default is None:
        return ["2015-01-02", "http://127.0.0.1:9/hook", 0.5]
    if isinstance(default, dt.date):
        return [(default + dt.timedelta(days=1)).isoformat()]
    return []


def _env_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _is_text(settings_field: Any) -> bool:
    ann = settings_field.annotation
    return ann is str or (
        isinstance(ann, types.UnionType) and set(ann.__args__) <= {str, type(None)}
    )


def test_every_key_can_be_set_by_an_environment_variable(tmp_path: Path) -> None:
    defaults = Settings(base_dir=tmp_path)
    leaves = _leaves(Settings)
    assert len(leaves) > 80
    changed = 0
    coupled: list[str] = []
    for path in leaves:
        default = _get(defaults, path)
        chosen = None
        for candidate in _candidates(default):
            try:
                expected = Settings(base_dir=tmp_path, **_nested(path, candidate))
            except ValidationError:
                continue
            if _get(expected, path) != default:
                chosen = (candidate, expected)
                break
        if chosen is None:  # only valid together with other keys: set it to its default
            coupled.append(".".join(path))
            dumped = Settings(base_dir=tmp_path).model_dump(mode="json")
            for key in path:
                dumped = dumped[key]
            chosen = (dumped, defaults)
        candidate, expected = chosen
        name = "RISKCAP_" + "__".join(p.upper() for p in path)
        got = load_settings(environ={name: _env_text(candidate)})
        assert _get(got, path) == _get(expected, path), name
        changed += 1
    assert changed == len(leaves)
    # keys a cross-key rule ties to others (capital's method needs its horizons …)
    assert set(coupled) <= {
        "capital.var_method",
        "capital.horizon",
        "capital.confidence",
        "stress.reverse_horizon",
    }, coupled
    # … and together with the keys they depend on they change too
    both = load_settings(
        environ={"RISKCAP_PIPELINE__HS_HORIZONS": "[1, 5, 10]", "RISKCAP_CAPITAL__HORIZON": "5"}
    )
    assert both.capital.horizon == 5


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "riskcap.toml"
    path.write_text('[catalog]\nurl = "sqlite:///file.db"\n[service]\nport = 8100\n')
    env = {
        "RISKCAP_CONFIG": str(path),
        "RISKCAP_CATALOG__URL": "postgresql+psycopg://riskcap@db:5432/riskcap",
        "RISKCAP_PIPELINE__CONFIDENCES": "[0.99, 0.975, 0.95]",
        "RISKCAP_QUALITY__ROW_COUNT__MAX_CHANGE": "0.25",
        "RISKCAP_SERVICE__WEBHOOK_URL": "http://hooks:8080/riskcap",
    }
    s = load_settings(environ=env)
    assert s.catalog_url == env["RISKCAP_CATALOG__URL"]
    assert s.service.port == 8100  # from the file
    assert s.pipeline.confidences == [0.99, 0.975, 0.95]
    assert s.quality.row_count.max_change == 0.25
    assert s.service.webhook_url == "http://hooks:8080/riskcap"
    assert s.base_dir == tmp_path  # relative paths still anchor at the file


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"RISKCAP_CATLOG__URL": "x"}, "RISKCAP_CATLOG__URL: no config key 'catlog'"),
        ({"RISKCAP_SERVICE__PORT__X": "1"}, "'service.port' is a value, not a section"),
        ({"RISKCAP_SERVICE__PORT": "eighty"}, "with RISKCAP_SERVICE__PORT: key 'service.port'"),
    ],
)
def test_bad_environment_is_a_config_error(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    assert fragment in str(info.value)


def test_service_section_is_in_the_default_file(tmp_path: Path) -> None:
    text = default_config_text()
    assert "[service]" in text and "webhook_url" in text
    assert Settings(base_dir=tmp_path, **tomllib.loads(text)) == Settings(base_dir=tmp_path)
    assert not _is_text(Settings.model_fields["service"])
