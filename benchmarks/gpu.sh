#!/usr/bin/env bash
# Every benchmark on a machine where JAX sees a GPU, one command (issue 18, item 7).
# Each script appends its JSON line (with the device) to benchmarks/results/.
#
#   make .venv/.installed-dev-*            # or: pip install -e '.[dev,bench]'
#   .venv/bin/pip install 'jax[cuda12]'    # the CUDA build of the same JAX version
#   bash benchmarks/gpu.sh                 # PYTHON=... to use another interpreter
#
# Targets on an H100-class GPU: GBM 100k x 252 stepped <= 1.5 ms, Black-Scholes
# >= 10 G prices/s, the 10^12-scale revaluation (10^6 positions x 10^6 scenarios,
# blocked) within its memory budget. Baselines are measured in the same runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}

if ! "$PY" - <<'PY'
import jax
devices = jax.devices()
print("JAX", jax.__version__, "devices:", devices)
raise SystemExit(0 if devices[0].platform == "gpu" else 1)
PY
then
  echo "gpu.sh: JAX sees no GPU; install the CUDA build (pip install 'jax[cuda12]')" >&2
  exit 1
fi

run() { echo "== $*" >&2; "$PY" "$@"; }
run benchmarks/gbm.py --repeat 10
run benchmarks/gbm.py --paths 1000000 --steps 252 --repeat 5
run benchmarks/bs_throughput.py --repeat 10
run benchmarks/bs_throughput.py --options 100000000 --baseline-options 2000 --repeat 10
run benchmarks/reval.py --memory-gb 16
run benchmarks/reval.py --positions 1000000 --scenarios 1000000 --memory-gb 64 \
  --baseline-scenarios 5
run benchmarks/scale.py --memory-gb 16
run benchmarks/eod.py
run benchmarks/whatif.py --seconds 10
echo "gpu.sh: done; figures appended to benchmarks/results/*.jsonl" >&2
