"""Property-based gradient checks: every differentiable op, on every available backend.

The cases are the built-in ops' conformance cases
(``tensorflux/testing/conformance/builtin_cases.py``): for each op, hypothesis draws
float64 inputs (shapes up to 3 dims, values away from kinks and ties) and the registered
gradient is compared with central differences. A differentiable op without a case fails
``test_every_differentiable_op_is_checked``. The strict CuPy stand-in gets the same
checks from the conformance kit (``tests/test_conformance.py``).
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorflux as tf
from tensorflux.testing import available_backends, backend_context, differentiable_ops
from tensorflux.testing.conformance.builtin_cases import CASES, TOLERANCE

BACKENDS = available_backends()
CHECKS = {op: CASES[op] for op in differentiable_ops(owner="ops") if op in CASES}


def test_every_differentiable_op_is_checked():
    missing = set(differentiable_ops(owner="ops")) - set(CASES)
    assert not missing, f"differentiable ops without a gradient check: {sorted(missing)}"


@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
@pytest.mark.parametrize("op_type", sorted(CHECKS))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_gradient_matches_central_differences(op_type, backend, device, data):
    inputs, build = CHECKS[op_type](data.draw)
    with backend_context(backend), tf.Graph().as_default() as g, tf.device(device):
        xs = [tf.placeholder(tf.float64, shape=v.shape) for v in inputs]
        y = build(*xs)
        assert op_type in {op.type for op in g.get_operations()}, f"{op_type} not built"
        with tf.Session() as sess:
            y_shape = tuple(sess.run(y, dict(zip(xs, inputs))).shape)
            # control-flow ops run no kernel of their own: their branches' and bodies' ops
            # show where they ran
            inside = op_type in ("If", "While")
            placed = {sess._backend_for(op) for op in g.get_operations()
                      if ((op._context is not None and op.type not in ("Arg", "Const", "If", "While"))
                          if inside else op.type == op_type)}
            assert placed == {backend}, f"{op_type} ran on {placed}, not {backend}"
            delta, rtol = TOLERANCE.get(op_type, (1e-6, 1e-5))
            for i, (x, v) in enumerate(zip(xs, inputs)):
                feed = {xx: vv for j, (xx, vv) in enumerate(zip(xs, inputs)) if j != i}
                analytic, numeric = tf.test.compute_gradient(
                    x, v.shape, y, y_shape, x_init_value=v, delta=delta, extra_feed_dict=feed)
                np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=1e-6,
                                           err_msg=f"{op_type} input {i} on {backend}")
                if backend != "numpy":  # the same graph on the CPU backend must agree
                    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as cpu:
                        on_cpu, _ = tf.test.compute_gradient(
                            x, v.shape, y, y_shape, x_init_value=v, delta=delta,
                            extra_feed_dict=feed, session=cpu)
                    np.testing.assert_allclose(analytic, on_cpu, rtol=1e-6, atol=1e-9,
                                               err_msg=f"{op_type} input {i}: {backend} vs numpy")
