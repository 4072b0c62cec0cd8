"""Property tests of the API against its own OpenAPI document (schemathesis).

Every operation gets generated requests (valid and invalid bodies, parameters and
paths) with an admin key; no answer may be a server error, and every answer must
match the document (status codes and bodies it declares). The app runs on its own
copy of the world, since generated writes (limits, ready events, triggers) land.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from riskcap.api.app import create_app
from tests.api.conftest import World, copy_api_world

ADMIN: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_app(api_base: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    world = copy_api_world(api_base, tmp_path_factory.mktemp("fuzz") / "world")
    ADMIN["X-API-Key"] = world.keys.admin
    app = create_app(world.settings)
    yield app
    app.state.riskcap.runs.stop(timeout_s=600)


def test_no_server_errors(fuzz_app: FastAPI) -> None:
    """Every operation, generated valid and invalid cases: zero 5xx answers."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    seen: dict[str, int] = {}
    for operation in operations:
        for mode in GenerationMode:
            _fuzz(operation, mode, seen)
    # every operation got valid cases; those with inputs got invalid ones too
    assert {f"{op.label} positive" for op in operations} <= set(seen)
    assert sum(label.endswith("negative") for label in seen) >= 10


def _fuzz(operation: Any, mode: GenerationMode, seen: dict[str, int]) -> None:
    label = f"{operation.label} {mode.value}"

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=ADMIN)
        case.validate_response(response, checks=[not_a_server_error])
        seen[label] = seen.get(label, 0) + 1

    try:
        check()
    except Unsatisfiable:  # an operation without inputs has no invalid input to send
        assert mode is GenerationMode.NEGATIVE
