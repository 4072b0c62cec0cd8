"""The lineage manifest of a run: everything needed to say what it read and made.

Stored in the catalog (``lineage`` table) when the run publishes::

    run_id, run_key, as_of, created_at, seed
    inputs:   {table: {version, sha256 of the slice read}}
    config:   the full configuration, secrets redacted
    config_hash: SHA-256 of its computational part
    code:     {version, git_commit, python, jax, numpy, deltalake}
    device:   the JAX backend and device the numbers were computed on
    tasks:    [{name, checksum, attempts}]
    outputs:  {positions, quality, pnl_vectors, results: {sha256, version?, rows?}}

Output checksums hash content, not files or ids (``run_id`` is left out), so a
reproduction in a scratch lake can be compared output by output.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

import jax

from riskcap import __version__
from riskcap.config import Settings, redacted_config
from riskcap.pipeline.fingerprint import code_version, git_commit


def _pkg(name: str) -> str | None:
    try:
        return package_version(name)
    except PackageNotFoundError:
        return None


def device_description() -> str:
    dev = jax.devices()[0]
    return f"{dev.platform}:{getattr(dev, 'device_kind', dev.platform)} ({jax.device_count()}×)"


def build_manifest(
    *,
    run_id: str,
    run_key: str,
    as_of: str,
    created_at: str,
    settings: Settings,
    config_hash: str,
    inputs: dict[str, Any],
    tasks: list[dict[str, Any]],
    outputs: dict[str, dict[str, Any]],
    prior_runs: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "run_key": run_key,
        "as_of": as_of,
        "created_at": created_at,
        "seed": settings.risk.seed,
        "inputs": inputs,
        # earlier runs of record whose figures the backtest and capital tasks read
        "prior_runs": dict(prior_runs or {}),
        # secrets (URL credentials, webhook tokens) never reach the manifest
        "config": redacted_config(settings.model_dump(mode="json")),
        "config_hash": config_hash,
        "code": {
            "version": code_version(),
            "package": __version__,
            "git_commit": git_commit(),
            "python": platform.python_version(),
            "jax": jax.__version__,
            "numpy": _pkg("numpy"),
            "deltalake": _pkg("deltalake"),
        },
        "device": device_description(),
        "tasks": tasks,
        "outputs": outputs,
    }
