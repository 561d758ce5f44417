"""Cumulative sums and products, and the reductions TF1 builds from other ops
(logsumexp, variance, standard deviation, Euclidean norm, count_nonzero, ...)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import name_scope
from tensorflux.ops import array_ops, math_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.math_ops import _graph_of, _op
from tensorflux.ops.op_def import defop, gradient
from tensorflux.ops.shape_fns import constant_value, normalize_axis, same_shape


def _cumulative_shape(op):
    normalize_axis(op.attrs["axis"], op.inputs[0].shape.ndims)
    return same_shape(op)


for _name in ("Cumsum", "Cumprod"):
    defop(_name, ("x",), attrs={"axis": 0, "exclusive": False, "reverse": False},
          shape_fn=_cumulative_shape,
          doc=f"{_name} along `axis`; `exclusive` leaves each element out of its own "
              f"result, `reverse` runs from the end.")


def _static_int(value, what):
    if hasattr(value, "op"):
        v = constant_value(value)
        if v is None:
            raise ValueError(f"{what} must be known when the graph is built (a Python int or "
                             f"a constant)")
        value = v
    return int(value)


def _cumulative(op_type, x, axis, exclusive, reverse, name):
    with _graph_of(x).as_default():
        x = convert_to_tensor(x)
        if x.dtype.is_bool or x.dtype == dtypes.string:
            raise TypeError(f"{op_type} needs a numeric tensor, got {x.dtype.name} ({x.name})")
        axis = _static_int(axis, f"{op_type} axis")
        if x.shape.ndims is not None:
            axis = normalize_axis(axis, x.shape.ndims)
        return _op(op_type, [x], {"axis": axis, "exclusive": bool(exclusive),
                                  "reverse": bool(reverse)}, name=name or op_type)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative sum: ``cumsum([a, b, c]) == [a, a + b, a + b + c]``; exclusive gives
    ``[0, a, a + b]``, reverse ``[a + b + c, b + c, c]``."""
    return _cumulative("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Cumulative product, with cumsum's ``exclusive`` and ``reverse``."""
    return _cumulative("Cumprod", x, axis, exclusive, reverse, name)


@gradient("Cumsum")
def _cumsum_grad(op, grad):
    a = op.attrs
    return [cumsum(grad, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


@gradient("Cumprod")
def _cumprod_grad(op, grad):
    # TF1's formula: exact where x has no zeros.
    x, a = op.inputs[0], op.attrs
    prod = cumprod(x, a["axis"], exclusive=a["exclusive"], reverse=a["reverse"])
    out = cumsum(prod * grad, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])
    return [out / x]


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """log(cumsum(exp(x))) computed stably (shifted by the maximum)."""
    with name_scope(name, "CumulativeLogsumexp", [x]) as scope:
        x = convert_to_tensor(x, preferred_dtype="float32")
        shift = array_ops.stop_gradient(math_ops.reduce_max(x))
        shift = array_ops.where(math_ops.is_finite(shift), shift, array_ops.zeros_like(shift))
        total = cumsum(math_ops.exp(x - shift), axis, exclusive=exclusive, reverse=reverse)
        return math_ops.add(math_ops.log(total), shift, name=scope)


# --- composite reductions ---------------------------------------------------------------
def _axis(axis, reduction_indices):
    return reduction_indices if axis is None else axis


def _keep(keepdims, keep_dims):
    return bool(keep_dims) if keepdims is None else bool(keepdims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None,
                     reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) over ``axis``, shifted by the maximum so it cannot overflow."""
    axis, keep = _axis(axis, reduction_indices), _keep(keepdims, keep_dims)
    with name_scope(name, "ReduceLogSumExp", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor)
        raw_max = math_ops.reduce_max(x, axis, keepdims=True)
        shift = array_ops.stop_gradient(
            array_ops.where(math_ops.is_finite(raw_max), raw_max, array_ops.zeros_like(raw_max)))
        result = math_ops.log(math_ops.reduce_sum(math_ops.exp(x - shift), axis, keepdims=True)) + shift
        if keep:
            return array_ops.identity(result, name=scope)
        return math_ops.reduce_sum(result, axis, keepdims=False, name=scope)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The population variance (divided by n) over ``axis``."""
    with name_scope(name, "reduce_variance", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor)
        if not (x.dtype.is_floating or x.dtype.is_complex):
            raise TypeError(f"reduce_variance needs a float tensor, got {x.dtype.name}")
        mean = math_ops.reduce_mean(x, axis, keepdims=True)
        return math_ops.reduce_mean(math_ops.squared_difference(x, mean), axis,
                                    keepdims=bool(keepdims), name=scope)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The population standard deviation over ``axis``."""
    with name_scope(name, "reduce_std", [input_tensor]) as scope:
        return math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims), name=scope)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=None, name=None):
    """sqrt(sum(x ** 2)) over ``axis``; integer tensors give the truncated integer."""
    with name_scope(name, "EuclideanNorm", [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor)
        keep = bool(keepdims)
        if x.dtype.is_integer:
            wide = math_ops.cast(x, dtypes.float64)
            norm = math_ops.sqrt(math_ops.reduce_sum(wide * wide, axis, keepdims=keep))
            return math_ops.cast(math_ops.floor(norm), x.dtype, name=scope)
        return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(x), axis, keepdims=keep), name=scope)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002
    """How many elements are not zero (not empty, for strings) over ``axis``."""
    x = input_tensor if input_tensor is not None else input
    axis, keep = _axis(axis, reduction_indices), _keep(keepdims, keep_dims)
    with name_scope(name, "count_nonzero", [x]) as scope:
        x = convert_to_tensor(x)
        zero = "" if x.dtype == dtypes.string else 0
        nonzero = math_ops.not_equal(x, convert_to_tensor(zero, dtype=x.dtype))
        counts = math_ops.reduce_sum(math_ops.cast(nonzero, dtypes.int64), axis, keepdims=keep)
        return math_ops.cast(counts, dtype, name=scope) if dtypes.as_dtype(dtype) != dtypes.int64 \
            else array_ops.identity(counts, name=scope)


def zero_fraction(value, name=None):
    """The fraction of zeros in ``value`` (float32), e.g. to watch ReLU sparsity."""
    with name_scope(name, "zero_fraction", [value]) as scope:
        x = convert_to_tensor(value)
        zeros = math_ops.cast(math_ops.equal(x, convert_to_tensor(0, dtype=x.dtype)), dtypes.float32)
        return math_ops.reduce_mean(zeros, name=scope)


def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a 0-d ``scalar``."""
    with name_scope(name, "scalar_mul", [scalar, x]) as scope:
        x = convert_to_tensor(x)
        s = convert_to_tensor(scalar, dtype=None if hasattr(scalar, "op") else x.dtype)
        if s.shape.ndims not in (None, 0):
            raise ValueError(f"Only scalar multiply works, got shape {s.shape}")
        return math_ops.multiply(s, x, name=scope)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The sum of a list of tensors of one shape and dtype (``add_n`` with TF1's checks)."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a non-empty list of tensors")
    with _graph_of(*inputs).as_default():
        inputs = [convert_to_tensor(t) for t in inputs]
        for t in inputs[1:]:
            if not t.shape.is_compatible_with(inputs[0].shape):
                raise ValueError(f"accumulate_n: input shapes {inputs[0].shape} and {t.shape} "
                                 f"do not match")
        if tensor_dtype is not None and inputs[0].dtype != dtypes.as_dtype(tensor_dtype):
            raise TypeError(f"accumulate_n: tensor_dtype {tensor_dtype} does not match the "
                            f"inputs' {inputs[0].dtype.name}")
        return math_ops.add_n(inputs, name=name or "AccumulateN")


def polyval(coeffs, x, name=None):
    """The polynomial coeffs[0] * x**(n-1) + ... + coeffs[n-1] (Horner's scheme)."""
    if not isinstance(coeffs, (list, tuple)):
        raise ValueError(f"coeffs must be a list of tensors, got {type(coeffs).__name__}")
    with name_scope(name, "polyval", [x]) as scope:
        x = convert_to_tensor(x)
        if not coeffs:
            return array_ops.zeros_like(x, name=scope)
        p = convert_to_tensor(coeffs[0], dtype=x.dtype)
        for c in coeffs[1:]:
            p = convert_to_tensor(c, dtype=x.dtype) + p * x
        return array_ops.identity(p, name=scope)


def _top_k_along(operand, k, dimension, largest, name):
    from tensorflux.ops.nn_ops import top_k
    with name_scope(name, "ApproxTopK", [operand]):
        x = convert_to_tensor(operand)
        rank = x.shape.ndims
        if rank is None:
            raise ValueError("approx_max_k/approx_min_k need an operand of known rank")
        dimension = normalize_axis(int(dimension), rank)
        perm = list(range(rank))
        perm[dimension], perm[-1] = perm[-1], perm[dimension]
        moved = x if dimension == rank - 1 else array_ops.transpose(x, perm)
        values, indices = top_k(moved if largest else -moved, k)
        values = values if largest else -values
        if dimension != rank - 1:
            values, indices = array_ops.transpose(values, perm), array_ops.transpose(indices, perm)
        return values, indices


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """(values, indices) of the k largest entries along ``reduction_dimension``. TF's
    approximation is for TPUs; here the result is exact (recall 1)."""
    return _top_k_along(operand, k, reduction_dimension, True, name)


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """(values, indices) of the k smallest entries along ``reduction_dimension`` (exact)."""
    return _top_k_along(operand, k, reduction_dimension, False, name)


def approx_top_k(input, k, reduction_dimension=-1, recall_target=0.95, is_max_k=True,  # noqa: A002
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """approx_max_k (``is_max_k``) or approx_min_k; exact here."""
    return _top_k_along(input, k, reduction_dimension, bool(is_max_k), name)
