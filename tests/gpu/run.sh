#!/usr/bin/env bash
# The test suite on a machine with an NVIDIA GPU: installs the project with the gpu extra
# (CuPy) and runs the tests. With CuPy available, unplaced ops run on the GPU by default
# and the gradient checks are parametrized over the cupy backend too.
# Prints one summary line at the end.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv .venv-gpu && .venv-gpu/bin/pip install -q -e ".[test,gpu]" || exit 1
.venv-gpu/bin/python -m tensorflux info
.venv-gpu/bin/python -m pytest -q -p no:cacheprovider tests/test_placement.py tests/test_ops.py \
    tests/test_gradient_checks.py tests/test_session.py tests/test_gradients.py \
    tests/test_optimizers.py tests/test_layers.py 2>&1 | tee /tmp/tensorflux-gpu.log | tail -3
status=${PIPESTATUS[0]}
echo "gpu summary: $(tail -1 /tmp/tensorflux-gpu.log)"
exit "$status"
