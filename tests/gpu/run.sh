#!/usr/bin/env bash
# The whole test suite on a machine with an NVIDIA GPU, with the gpu extra (CuPy).
# With CuPy available, unplaced ops run on the GPU by default, and the op tests and the
# hypothesis gradient checks are parametrized over the cupy backend too (and compared
# with the NumPy backend). Then a short GPU benchmark. Prints one summary line last.
#   tests/gpu/run.sh [pytest args...]      e.g. -x, or a test file
set -uo pipefail
cd "$(dirname "$0")/../.."
venv=${TENSORFLUX_GPU_VENV:-.venv-gpu}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" || exit 1
"$venv/bin/pip" install -q -e ".[test,gpu]" || exit 1
"$venv/bin/python" -m tensorflux info
log=$(mktemp)
start=$SECONDS
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" 2>&1 | tee "$log" | tail -15
status=${PIPESTATUS[0]}
tests=$(grep -E "^[0-9]+ (passed|failed)|[0-9]+ passed" "$log" | tail -1)
bench=$(timeout 240 "$venv/bin/python" benchmarks/bench_gpu.py --batches 50 512 4096 2>&1 | tail -9 | tr '\n' ';')
echo "bench: $bench"
echo "gpu summary: pytest exit $status; ${tests:-no pytest summary}; $((SECONDS - start)) s"
exit "$status"
