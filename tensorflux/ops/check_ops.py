"""The ``tf.assert_*`` family and the ``tf.is_*`` predicates, as TF1 defines them.

Each assertion returns an op to run or to depend on (``with
tf.control_dependencies([tf.assert_positive(x)]): ...``). Where the values are known
while the graph is built (constants, static shapes and dtypes) the check happens there
and a violation raises at once, as in TF1; otherwise an ``Assert`` op checks at run time
and raises ``InvalidArgumentError`` with TF1's message (the ``data`` list, each item in
brackets). Messages follow ``tf.compat.v1`` of TensorFlow 2.21.
"""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes, errors
from tensorflux.core.graph import Tensor, name_scope
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.control_flow_ops import no_op
from tensorflux.ops.logging_ops import Assert
from tensorflux.ops.shape_fns import constant_value


def _message_prefix(message):
    return f"{message}.  " if message else ""


def _static_text(item):
    if not isinstance(item, Tensor):
        return str(item)
    value = constant_value(item)
    return str(value) if value is not None else str(item)


def _assert_static(condition, data):
    """Raise now, listing ``data``, when a check already fails while building."""
    if not condition:
        raise errors.InvalidArgumentError(None, None, "\n".join(_static_text(d) for d in data))


def _binary_assert(sym, opname, op_func, static_func, x, y, data, summarize, message, name):
    with name_scope(name, opname, [x, y]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y")
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message] + list(data)
        condition = math_ops.reduce_all(op_func(x, y))
        x_static, y_static = constant_value(x), constant_value(y)
        if x_static is not None and y_static is not None:
            _assert_static(np.all(static_func(x_static, y_static)), data)
        return Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Assert ``x == y`` element-wise (with broadcasting)."""
    return _binary_assert("==", "assert_equal", math_ops.equal, np.equal, x, y, data,
                          summarize, message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None):
    """Assert ``x != y`` for every element."""
    return _binary_assert("!=", "assert_none_equal", math_ops.not_equal, np.not_equal, x, y,
                          data, summarize, message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("<", "assert_less", math_ops.less, np.less, x, y, data, summarize,
                          message, name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("<=", "assert_less_equal", math_ops.less_equal, np.less_equal, x, y,
                          data, summarize, message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert(">", "assert_greater", math_ops.greater, np.greater, x, y, data,
                          summarize, message, name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert(">=", "assert_greater_equal", math_ops.greater_equal,
                          np.greater_equal, x, y, data, summarize, message, name)


def _sign_assert(opname, sym, zero_first, check, x, data, summarize, message, name):
    """assert_positive & co.: compare ``x`` with zero through ``check``."""
    message = _message_prefix(message)
    with name_scope(name, opname, [x]):
        x = convert_to_tensor(x, name="x")
        if data is None:
            data = [message, f"Condition x {sym} 0 did not hold element-wise:",
                    f"x ({x.name}) = ", x]
        zero = convert_to_tensor(0, dtype=x.dtype)
        return check(zero, x, data=data, summarize=summarize) if zero_first else \
            check(x, zero, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert("assert_positive", ">", True, assert_less, x, data, summarize,
                        message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert("assert_negative", "<", False, assert_less, x, data, summarize,
                        message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert("assert_non_negative", ">=", True, assert_less_equal, x, data,
                        summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    return _sign_assert("assert_non_positive", "<=", False, assert_less_equal, x, data,
                        summarize, message, name)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None,
                name=None):
    """Assert ``|x - y| < atol + rtol * |y|`` element-wise (default tolerances: 10 eps
    of the dtype)."""
    message = _message_prefix(message)
    with name_scope(name, "assert_near", [x, y]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        real = dtypes.float32 if x.dtype == dtypes.complex64 else \
            dtypes.float64 if x.dtype == dtypes.complex128 else x.dtype
        eps = np.finfo(real.np_dtype).eps
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol", dtype=real)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol", dtype=real)
        if data is None:
            data = [message, f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tol = atol + rtol * math_ops.abs(y)
        diff = math_ops.abs(x - y)
        return Assert(math_ops.reduce_all(math_ops.less(diff, tol)), data, summarize=summarize)


def _with_dependencies(deps, output):
    from tensorflux.core.graph import control_dependencies
    with control_dependencies(deps):
        return array_ops.identity(output)


def _rank_assert(opname, phrase, static_ok, dynamic, x, ranks, data, summarize, message, name):
    """assert_rank & co.: ``ranks`` is a tuple of rank tensors (one for all but rank_in)."""
    message = _message_prefix(message)
    with name_scope(name, opname, [x]):
        x = convert_to_tensor(x, name="x")
        ranks = tuple(convert_to_tensor(r, name="rank") for r in ranks)
        if data is None:
            data = [message, f"Tensor {x.name} must have {phrase}", *ranks,
                    "Received shape: ", array_ops.shape(x)]
        for r in ranks:
            assert_type(r, dtypes.int32)
        static = [constant_value(r) for r in ranks]
        if all(s is not None for s in static):
            if any(np.ndim(s) != 0 for s in static):
                raise ValueError("Rank must be a scalar.")
            x_rank = x.shape.ndims
            if x_rank is not None:
                wanted = tuple(int(s) for s in static)
                if not static_ok(x_rank, wanted):
                    shown = wanted[0] if len(wanted) == 1 and opname != "assert_rank_in" else wanted
                    raise ValueError(f"{message}Tensor {x.name} must have {phrase} {shown}.  "
                                     f"Received rank {x_rank}, shape {x.shape}")
                return no_op(name="static_checks_determined_all_ok")
        condition = dynamic(array_ops.rank(x), ranks)
        for r, s in zip(ranks, static):
            if s is None:
                check = assert_rank(r, 0, data=["Rank must be a scalar. Received rank: ", r])
                condition = _with_dependencies([check], condition)
        return Assert(condition, data, summarize=summarize)


def _any_equal(actual, ranks):
    result = math_ops.equal(ranks[0], actual)
    for r in ranks[1:]:
        result = math_ops.logical_or(result, math_ops.equal(r, actual))
    return result


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """Assert that ``x`` has rank ``rank``: a ValueError now when the static rank is
    known, else an Assert op."""
    return _rank_assert("assert_rank", "rank", lambda a, r: a == r[0],
                        lambda a, r: math_ops.equal(a, r[0]), x, (rank,), data, summarize,
                        message, name)


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    return _rank_assert("assert_rank_at_least", "rank at least", lambda a, r: a >= r[0],
                        lambda a, r: math_ops.greater_equal(a, r[0]), x, (rank,), data,
                        summarize, message, name)


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    """Assert that the rank of ``x`` is one of ``ranks``."""
    return _rank_assert("assert_rank_in", "rank in", lambda a, r: a in r, _any_equal, x,
                        tuple(ranks), data, summarize, message, name)


def assert_type(tensor, tf_type, message=None, name=None):
    """Statically assert the dtype of ``tensor`` (TypeError at once when it differs)."""
    tf_type = dtypes.as_dtype(tf_type)
    with name_scope(name, "assert_type", [tensor]):
        tensor = convert_to_tensor(tensor, name="tensor")
        if tensor.dtype != tf_type:
            raise TypeError(f"{_message_prefix(message)}{tensor.name} must be of type "
                            f"{tf_type!r}; got {tensor.dtype!r}")
        return no_op("statically_determined_correct_type")


def assert_integer(x, message=None, name=None):
    """Statically assert that ``x`` has an integer dtype."""
    with name_scope(name, "assert_integer", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_integer:
            raise TypeError(f'{_message_prefix(message)}Expected "x" to be integer type.  '
                            f"Found: {x.name} of dtype {x.dtype}")
        return no_op("statically_determined_was_integer")


def assert_scalar(tensor, name=None, message=None):
    """Statically assert that ``tensor`` is a scalar; returns it."""
    with name_scope(name, "assert_scalar", [tensor]) as scope:
        tensor = convert_to_tensor(tensor, name=scope.rstrip("/") or None)
        if tensor.shape.ndims != 0:
            raise ValueError(f"{_message_prefix(message)}Expected scalar shape for "
                             f"{tensor.name}, saw shape: {tensor.shape}.")
        return tensor


def assert_proper_iterable(values):
    """Raise TypeError unless ``values`` is an iterable other than a tensor, an
    ndarray or a string."""
    if isinstance(values, (Tensor, np.ndarray, bytes, str)) or hasattr(values, "_as_tensor"):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: '
                        f"{type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')


def assert_same_float_dtype(tensors=None, dtype=None):
    """The common floating dtype of ``tensors`` (and ``dtype``); float32 when there is
    none; ValueError when they differ or are not floating."""
    if tensors:
        expected, first = (dtypes.as_dtype(dtype) if dtype else None), None
        for t in tensors:
            if t is None:
                continue
            if expected is None:
                expected, first = t.dtype, getattr(t, "name", str(t))
            elif t.dtype != expected:
                raise ValueError(f"{getattr(t, 'name', t)}, type={t.dtype}, must be of the "
                                 f"same type ({expected})"
                                 + (f" as {first}" if first else "") + ".")
        dtype = expected
    if not dtype:
        return dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


def is_numeric_tensor(tensor):
    """Whether ``tensor`` is a Tensor of a numeric (not bool or string) dtype."""
    return isinstance(tensor, Tensor) and tensor.dtype not in (dtypes.bool_, dtypes.string)


def _monotonic(x, name, opname, compare):
    """reduce_all(compare(0, x[1:] - x[:-1])) over the flattened ``x``."""
    with name_scope(name, opname, [x]):
        x = array_ops.reshape(convert_to_tensor(x), [-1])
        if not is_numeric_tensor(x):
            raise TypeError(f"Expected x to be numeric, instead found: {x}")
        zero = convert_to_tensor(0, dtype=x.dtype)
        return math_ops.reduce_all(compare(zero, x[1:] - x[:-1]))


def is_non_decreasing(x, name=None):
    """A bool scalar: ``x`` (flattened) never decreases (True for fewer than 2 values)."""
    return _monotonic(x, name, "is_non_decreasing", math_ops.less_equal)


def is_strictly_increasing(x, name=None):
    """A bool scalar: each value of ``x`` (flattened) exceeds the one before."""
    return _monotonic(x, name, "is_strictly_increasing", math_ops.less)
