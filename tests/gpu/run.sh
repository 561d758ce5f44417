#!/usr/bin/env bash
# The whole test suite on a machine with an NVIDIA GPU and CuPy, then a short GPU
# benchmark; prints one summary line last. With CuPy available, unplaced ops run on the
# GPU by default, and the op tests and hypothesis gradient checks are parametrized over
# the cupy backend too (and compared with the NumPy backend).
#
#   tests/gpu/run.sh [pytest args...]      e.g. -x, or a test file
#
# Where CuPy is already installed (the lent GPU machines: no package index, CuPy for
# CUDA 13 in the machine's Python), the project is installed offline into that Python,
# with any wheels found in .whl/ (crc32c is the one dependency missing
# there; fetch it beforehand with `pip download --python-version 3.12 ... -d .whl crc32c`).
# Elsewhere the gpu extra installs CuPy from PyPI.
set -uo pipefail
cd "$(dirname "$0")/../.."
venv=${TENSORFLUX_GPU_VENV:-.venv-gpu}
start=$SECONDS
if python3 -c "import cupy" 2>/dev/null; then
    # The machine's Python has CuPy (there it is itself a venv, and the machine starts
    # bare each time): install into it, offline.
    py=python3
    if compgen -G ".whl/*.whl" >/dev/null; then
        $py -m pip install -q --no-index --no-deps .whl/*.whl || exit 1
    fi
    $py -m pip install -q --no-index --no-deps --no-build-isolation -e . || exit 1
else
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" || exit 1
    py=$venv/bin/python
    $py -m pip install -q -e ".[test,gpu]" || exit 1
fi
$py -m tensorflux info
log=$(mktemp)
$py -m pytest -q -p no:cacheprovider "$@" 2>&1 | tee "$log" | tail -25
status=${PIPESTATUS[0]}
tests=$(grep -E "[0-9]+ (passed|failed)" "$log" | tail -1)
timeout 240 $py benchmarks/bench_gpu.py 2>&1 | tail -12
echo "gpu summary: pytest exit $status; ${tests:-no pytest summary}; $((SECONDS - start)) s in all"
exit "$status"
