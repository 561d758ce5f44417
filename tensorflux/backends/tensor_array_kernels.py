"""Kernels of the TensorArray ops, written once against an array namespace ``xp``.

A TensorArray at run time is a ``TensorArrayValue``: a list of element arrays created
afresh by each run of its ``TensorArrayV3`` op. Its flow tensors all carry that one
object, which writes update in place; each element is written once, as in TF1, so an
older flow never sees a changed element. A gradient TensorArray (``is_grad``) adds the
writes to one index up and reads zeros where nothing was written, which is how the
gradients of several reads of one element sum up.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors

_CLEARED = object()  # an element read once with clear_after_read


class TensorArrayValue:
    """The run-time state of one TensorArray."""

    __slots__ = ("elements", "shapes", "dynamic", "clear_after_read", "element_shape",
                 "np_dtype", "is_grad", "grads", "name")

    def __init__(self, size, np_dtype, element_shape, dynamic, clear_after_read, name,
                 is_grad=False):
        self.elements = [None] * size
        self.shapes = [None] * size  # the shape of each element written (kept after clearing)
        self.dynamic = dynamic
        self.clear_after_read = clear_after_read
        self.element_shape = element_shape  # a tuple with None for unknown dims, or None
        self.np_dtype = np_dtype
        self.is_grad = is_grad
        self.grads = {}
        self.name = name

    def __len__(self):
        return len(self.elements)

    def grad(self, source):
        """The gradient TensorArray of this one for one gradient computation."""
        g = self.grads.get(source)
        if g is None:
            g = TensorArrayValue(len(self), self.np_dtype, self.element_shape, True, False,
                                 f"{self.name}@{source}", is_grad=True)
            g.shapes = list(self.shapes)
            self.grads[source] = g
        return g

    def known_shape(self, index):
        shape = self.shapes[index] if index < len(self.shapes) else None
        if shape is None and self.element_shape is not None and None not in self.element_shape:
            shape = self.element_shape
        if shape is None:
            shape = next((s for s in self.shapes if s is not None), None)
        return shape


def _index(ta, index, op, what):
    i = int(index)
    if i < 0:
        raise errors.InvalidArgumentError(
            None, op, f"Tried to {what} index {i} of TensorArray {ta.name!r}: negative index")
    return i


def make_tensor_array_kernels(xp):
    K = KernelTable()
    builder = K.builder

    def zeros(ta, index, op):
        shape = ta.known_shape(index)
        if shape is None:
            raise errors.InvalidArgumentError(
                None, op, f"Could not read from TensorArray {ta.name!r} index {index}: it was "
                          f"never written and its element shape is not fully defined. Set "
                          f"element_shape on the TensorArray to read zeros there.")
        return xp.zeros(shape, dtype=ta.np_dtype)

    def write(ta, i, value, op):
        if i >= len(ta.elements):
            if not ta.dynamic:
                raise errors.InvalidArgumentError(
                    None, op, f"Tried to write to index {i} but array is not resizeable and "
                              f"size is: {len(ta.elements)} (TensorArray {ta.name!r})")
            grow = i + 1 - len(ta.elements)
            ta.elements.extend([None] * grow)
            ta.shapes.extend([None] * grow)
        if ta.element_shape is not None and (
                len(value.shape) != len(ta.element_shape) or any(
                    d is not None and d != s for d, s in zip(ta.element_shape, value.shape))):
            raise errors.InvalidArgumentError(
                None, op, f"Could not write to TensorArray {ta.name!r} index {i} because the "
                          f"value shape is {list(value.shape)} which is incompatible with the "
                          f"TensorArray's element shape: {list(ta.element_shape)}")
        current = ta.elements[i]
        if ta.is_grad:
            ta.elements[i] = value if current is None else current + value
        elif current is not None:
            raise errors.InvalidArgumentError(
                None, op, f"Could not write to TensorArray {ta.name!r} index {i} because it "
                          f"has already been written to.")
        else:
            ta.elements[i] = value
        ta.shapes[i] = tuple(value.shape)

    def read(ta, i, op):
        if i >= len(ta.elements):
            if ta.is_grad:
                return zeros(ta, i, op)
            raise errors.InvalidArgumentError(
                None, op, f"Tried to read from index {i} but array size is: "
                          f"{len(ta.elements)} (TensorArray {ta.name!r})")
        value = ta.elements[i]
        if value is None:
            if ta.is_grad:
                return zeros(ta, i, op)
            raise errors.InvalidArgumentError(
                None, op, f"Could not read from TensorArray {ta.name!r} index {i} because it "
                          f"has not yet been written to.")
        if value is _CLEARED:
            raise errors.InvalidArgumentError(
                None, op, f"Could not read index {i} twice because it was cleared after a "
                          f"previous read (perhaps try setting clear_after_read = false?) "
                          f"(TensorArray {ta.name!r})")
        if ta.clear_after_read:
            ta.elements[i] = _CLEARED
        return value

    def gather(ta, indices, op):
        """Elements at ``indices`` stacked; unwritten ones are zeros when the element
        shape is known (TF1's rule for packing)."""
        values = []
        for i in indices:
            i = _index(ta, i, op, "gather")
            if i < len(ta.elements) and ta.elements[i] is None and ta.known_shape(i) is not None:
                values.append(zeros(ta, i, op))
            else:
                values.append(read(ta, i, op))
        if not values:
            shape = ta.element_shape
            if shape is None or None in shape:
                raise errors.InvalidArgumentError(
                    None, op, f"TensorArray {ta.name!r} has size zero, but its element shape "
                              f"{list(shape) if shape else '<unknown>'} is not fully defined; "
                              f"give element_shape to stack or gather it.")
            return xp.zeros((0,) + tuple(shape), dtype=ta.np_dtype)
        try:
            return xp.stack(values)
        except ValueError as exc:
            raise errors.InvalidArgumentError(
                None, op, f"TensorArray {ta.name!r} has elements of different shapes "
                          f"({exc}); stack and gather need equal shapes") from None

    @builder("TensorArrayV3")
    def _create(op, ctx):
        attrs = op.attrs
        np_dtype = attrs["dtype"].np_dtype
        shape = attrs["element_shape"].as_tuple()
        dynamic, clear, name = attrs["dynamic_size"], attrs["clear_after_read"], op.name

        def run(size):
            size = int(size)
            if size < 0:
                raise errors.InvalidArgumentError(None, op, f"TensorArray size must be >= 0, got {size}")
            return TensorArrayValue(size, np_dtype, shape, dynamic, clear, name)
        return run

    @builder("TensorArrayWriteV3")
    def _write(op, ctx):
        def run(ta, index, value):
            write(ta, _index(ta, index, op, "write to"), value, op)
            return ta
        return run

    @builder("TensorArrayReadV3")
    def _read(op, ctx):
        return lambda ta, index: read(ta, _index(ta, index, op, "read from"), op)

    @builder("TensorArrayGatherV3")
    def _gather(op, ctx):
        return lambda ta, indices: gather(ta, np.asarray(indices).reshape(-1), op)

    @builder("TensorArrayStack")
    def _stack(op, ctx):
        return lambda ta: gather(ta, range(len(ta)), op)

    def scatter(ta, indices, value, op):
        if len(indices) != value.shape[0]:
            raise errors.InvalidArgumentError(
                None, op, f"Expected len(indices) == values.shape[0], but saw: "
                          f"{len(indices)} vs. {value.shape[0]} (TensorArray {ta.name!r})")
        for n, i in enumerate(indices):
            write(ta, _index(ta, i, op, "write to"), value[n], op)
        return ta

    @builder("TensorArrayScatterV3")
    def _scatter(op, ctx):
        return lambda ta, indices, value: scatter(ta, np.asarray(indices).reshape(-1), value, op)

    @builder("TensorArrayUnstack")
    def _unstack(op, ctx):
        return lambda ta, value: scatter(ta, range(value.shape[0]), value, op)

    @builder("TensorArrayConcatV3")
    def _concat(op, ctx):
        def run(ta):
            values = [read(ta, i, op) if ta.elements[i] is not None or not ta.is_grad
                      else zeros(ta, i, op) for i in range(len(ta))]
            lengths = xp.asarray(np.array([v.shape[0] for v in values], dtype=np.int64))
            if not values:
                shape = ta.element_shape
                if shape is None or None in shape[1:]:
                    raise errors.InvalidArgumentError(
                        None, op, f"TensorArray {ta.name!r} is empty and its element shape "
                                  f"is not known: cannot concat it")
                return xp.zeros((0,) + tuple(shape[1:]), dtype=ta.np_dtype), lengths
            return xp.concatenate(values), lengths
        return run

    @builder("TensorArraySplitV3")
    def _split(op, ctx):
        def run(ta, value, lengths):
            lengths = [int(n) for n in np.asarray(lengths).reshape(-1)]
            if sum(lengths) != value.shape[0]:
                raise errors.InvalidArgumentError(
                    None, op, f"Expected sum of lengths to be equal to values.shape[0], but "
                              f"sum of lengths is {sum(lengths)} and value's shape is "
                              f"{list(value.shape)} (TensorArray {ta.name!r})")
            start = 0
            for i, n in enumerate(lengths):
                write(ta, i, value[start:start + n], op)
                start += n
            return ta
        return run

    @builder("TensorArraySizeV3")
    def _size(op, ctx):
        return lambda ta: np.asarray(len(ta), dtype=np.int32)

    @builder("TensorArrayGradV3")
    def _grad(op, ctx):
        source = op.attrs["source"]
        return lambda ta: ta.grad(source)

    @builder("TensorArrayMergeFlows")
    def _merge(op, ctx):
        def run(*flows):
            first = flows[0]
            if any(f is not first for f in flows[1:]):
                raise errors.InternalError(
                    None, op, "gradients of one TensorArray reached different TensorArrays")
            return first
        return run

    @builder("TensorArrayCloseV3")
    def _close(op, ctx):
        return lambda ta: None

    return K


# Inputs read on the host (indices and sizes are small), for accelerator backends.
HOST_INPUTS = {
    "TensorArrayV3": (0,), "TensorArrayWriteV3": (1,), "TensorArrayReadV3": (1,),
    "TensorArrayGatherV3": (1,), "TensorArrayScatterV3": (1,), "TensorArraySplitV3": (2,),
}
HOST_OUTPUTS = {"TensorArraySizeV3"}
