"""The deployment files agree with the code (no container engine runs in the tests).

* every ``RISKCAP_*`` variable in ``docker-compose.yml`` and the ``Dockerfile`` is a
  valid config setting, and the compose environment loads into the settings it names;
* every metric the Grafana dashboard queries is one ``/metrics`` exports;
* Prometheus scrapes ``/metrics`` with a bearer key, which the app accepts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from riskcap.config import load_settings
from tests.api.conftest import World

ROOT = Path(__file__).resolve().parents[2]


def _compose_env() -> dict[str, str]:
    text = (ROOT / "docker-compose.yml").read_text()
    return dict(re.findall(r"^\s+(RISKCAP_[A-Z_]+): \"?([^\"\n]+)\"?$", text, re.M))


def test_compose_environment_is_valid_config() -> None:
    env = _compose_env()
    assert "RISKCAP_CATALOG__URL" in env and "RISKCAP_SERVICE__SCHEDULE_AT" in env
    s = load_settings(environ=env)
    assert s.catalog.url == "postgresql+psycopg://riskcap:riskcap@db:5432/riskcap"
    assert (s.service.host, s.service.port) == ("0.0.0.0", 8000)
    assert s.lake_path == "/data/lake" and s.pipeline.lock == "wait"
    docker = dict(re.findall(r"(RISKCAP_[A-Z_]+)=(\S+)", (ROOT / "Dockerfile").read_text()))
    assert load_settings(environ=docker).lake_path == "/data/lake"


def test_grafana_queries_exported_metrics(client: TestClient, world: World) -> None:
    client.get("/v1/me", headers={"Authorization": f"Bearer {world.keys.admin}"})
    exported = client.get("/metrics", headers={"Authorization": f"Bearer {world.keys.admin}"})
    assert exported.status_code == 200
    families = set(re.findall(r"^# TYPE (\w+) ", exported.text, re.M))
    dashboard = json.loads((ROOT / "deploy/grafana/riskcap-dashboard.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\briskcap_\w+", target["expr"])
    }
    assert used
    for name in used:
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        assert base in families, name
    scrape = (ROOT / "deploy/prometheus.yml").read_text()
    assert "metrics_path: /metrics" in scrape and "type: Bearer" in scrape
