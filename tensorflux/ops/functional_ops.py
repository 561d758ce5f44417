"""``tf.map_fn``, ``tf.scan``, ``tf.foldl`` and ``tf.foldr``: loops over the first
dimension of tensors, built as TF1 builds them from ``tf.while_loop`` and
``tf.TensorArray`` (so they differentiate and save like any loop)."""
from __future__ import annotations

from tensorflux.core import dtypes, nest
from tensorflux.core.graph import name_scope
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.tensor_array_ops import TensorArray
from tensorflux.ops.while_loop import while_loop


def _elements(elems, what):
    """The flat tensors of ``elems`` and their common length (a tensor)."""
    from tensorflux.ops.array_ops import shape
    flat = [convert_to_tensor(e, name="elem") for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{what}: elems must be a tensor or a non-empty structure of tensors")
    for t in flat:
        if t.shape.ndims == 0:
            raise ValueError(f"{what}: elements in elems must be 1+ dimensional tensors, not "
                             f"scalars ({t.name})")
    static = {t.shape[0].value for t in flat if t.shape.ndims} - {None}
    if len(static) > 1:
        raise ValueError(f"{what}: all elems must have the same length in their first "
                         f"dimension, got {sorted(static)}")
    return flat, shape(flat[0], out_type=dtypes.int32)[0]


def _unstacked(flat, infer_shape):
    return [TensorArray(t.dtype, size=_length(t), infer_shape=infer_shape,
                        element_shape=t.shape[1:] if t.shape.ndims else None).unstack(t)
            for t in flat]


def _length(t):
    from tensorflux.ops.array_ops import shape
    return shape(t, out_type=dtypes.int32)[0]


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None):
    """``fn`` applied to each slice of ``elems`` along its first dimension, stacked.

    ``elems`` may be a nested structure of tensors (``fn`` receives slices in that
    structure); when ``fn`` returns a different structure or dtypes, give them as
    ``dtype``."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, "map", nest.flatten(elems)):
        flat, n = _elements(elems, "map_fn")
        inputs = _unstacked(flat, infer_shape)
        out_dtypes = nest.flatten(dtype) if dtype is not None else [t.dtype for t in flat]
        out_structure = dtype if dtype is not None else elems
        outputs = [TensorArray(dtypes.as_dtype(d), size=n, infer_shape=infer_shape)
                   for d in out_dtypes]

        def body(i, *tas):
            value = nest.pack_sequence_as(elems, [ta.read(i) for ta in inputs])
            result = fn(value)
            flat_result = nest.flatten(result)
            if len(flat_result) != len(tas):
                raise ValueError(f"map_fn: fn returned {len(flat_result)} tensors but dtype "
                                 f"promises {len(tas)}; pass dtype= for the output structure")
            return (i + 1,) + tuple(ta.write(i, convert_to_tensor(r, dtype=ta.dtype))
                                    for ta, r in zip(tas, flat_result))

        loop = while_loop(lambda i, *tas: i < n, body, (0,) + tuple(outputs),
                          parallel_iterations=parallel_iterations or 10,
                          back_prop=back_prop, swap_memory=swap_memory)
        stacked = [ta.stack() for ta in loop[1:]]
        return nest.pack_sequence_as(out_structure, stacked)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """The running values of ``a = fn(a, x)`` over the slices ``x`` of ``elems``, stacked.
    Without ``initializer`` the first slice starts the scan (and is the first output)."""
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, "scan", nest.flatten(elems)):
        flat, n = _elements(elems, "scan")
        inputs = _unstacked(flat, infer_shape)

        def read(i):
            return nest.pack_sequence_as(elems, [ta.read(i) for ta in inputs])

        first = n - 1 if reverse else 0
        if initializer is None:
            a0 = read(first)
            start = 1
        else:
            a0 = nest.map_structure(convert_to_tensor, initializer)
            start = 0
        a0_flat = nest.flatten(a0)
        outputs = [TensorArray(t.dtype, size=n, infer_shape=infer_shape,
                               element_shape=t.shape) for t in a0_flat]
        if initializer is None:
            outputs = [ta.write(first, t) for ta, t in zip(outputs, a0_flat)]
        k = len(a0_flat)

        def body(i, *state):
            a = nest.pack_sequence_as(a0, state[:k])
            index = n - 1 - i if reverse else i
            a_new = fn(a, read(index))
            nest.assert_same_structure(a0, a_new, "scan: fn's output and the accumulator")
            new_flat = [convert_to_tensor(t, dtype=old.dtype)
                        for t, old in zip(nest.flatten(a_new), a0_flat)]
            tas = [ta.write(index, t) for ta, t in zip(state[k:], new_flat)]
            return (i + 1,) + tuple(new_flat) + tuple(tas)

        loop = while_loop(lambda i, *s: i < n, body, (start,) + tuple(a0_flat) + tuple(outputs),
                          parallel_iterations=parallel_iterations, back_prop=back_prop,
                          swap_memory=swap_memory)
        return nest.pack_sequence_as(a0, [ta.stack() for ta in loop[1 + k:]])


def _fold(fn, elems, initializer, reverse, what, parallel_iterations, back_prop,
          swap_memory, name):
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with name_scope(name, what, nest.flatten(elems)):
        flat, n = _elements(elems, what)
        inputs = _unstacked(flat, True)

        def read(i):
            return nest.pack_sequence_as(elems, [ta.read(i) for ta in inputs])

        if initializer is None:
            a0 = read(n - 1 if reverse else 0)
            start = 1
        else:
            a0 = nest.map_structure(convert_to_tensor, initializer)
            start = 0
        a0_flat = nest.flatten(a0)

        def body(i, *state):
            a = nest.pack_sequence_as(a0, state)
            a_new = fn(a, read(n - 1 - i if reverse else i))
            nest.assert_same_structure(a0, a_new, f"{what}: fn's output and the accumulator")
            return (i + 1,) + tuple(convert_to_tensor(t, dtype=old.dtype)
                                    for t, old in zip(nest.flatten(a_new), a0_flat))

        loop = while_loop(lambda i, *s: i < n, body, (start,) + tuple(a0_flat),
                          parallel_iterations=parallel_iterations, back_prop=back_prop,
                          swap_memory=swap_memory)
        return nest.pack_sequence_as(a0, list(loop[1:]))


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``fn(...fn(fn(initializer, x0), x1)..., xn)`` over the slices of ``elems``;
    without ``initializer`` the first slice starts."""
    return _fold(fn, elems, initializer, False, "foldl", parallel_iterations, back_prop,
                 swap_memory, name)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """Like ``foldl`` from the last slice to the first."""
    return _fold(fn, elems, initializer, True, "foldr", parallel_iterations, back_prop,
                 swap_memory, name)
