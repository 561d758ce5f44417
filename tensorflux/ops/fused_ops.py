"""Ops the graph optimizer (``tensorflux.optimizer``) puts into plans in place of
several ops: ordinary ops with kernels per backend, which no user code needs to build.

``_Fused(*inputs)`` runs a small program of elementwise ops, optionally after a matrix
product, in one kernel. ``program`` is a tuple of steps ``(op_type, args, params)``:
``op_type`` is ``"MatMul"`` (first step only, on rank-2 operands; ``params`` are
``(transpose_a, transpose_b)``) or an op of ``ELEMENTWISE``
(``tensorflux.optimizer.op_table``); each arg is an input index, or ``len(inputs) + j``
for the result of step ``j``. The last step's result is the output, of ``dtype`` and
static ``shape``. ``members`` are the ops the steps stand for (an error names the one
that failed). Memory attrs, set by the optimizer's memory planner and honoured by the
CPU kernel: ``out``, the plan buffer slot the output is written to (-1: a new array),
and ``inplace``, an input the kernel may overwrite with its output (-1: none).

``_ApplyGradientDescentInPlace(var, alpha, delta)`` is ``ApplyGradientDescent`` for a
``delta`` that dies there: it scales ``delta`` in place instead of allocating
``alpha * delta``.

``_MatMulGradientDescent(var, alpha, a, b)`` is ``ApplyGradientDescent(var, alpha,
MatMul(a, b))`` (attrs ``transpose_a``, ``transpose_b``) for a product that only the
update reads: on the CPU one BLAS GEMM adds ``-alpha`` times the product into ``var``
(``tensorflux.backends.blas_threads.gemm_update_for``). ``members`` are the MatMul and
the update.

``_XentWithGrad(logits, labels, scale)`` is a softmax cross entropy (its type in attr
``xent``) whose gradient output is then scaled in place, row by row, as the gradient of
a loss built on it asks: by the scalar ``scale`` divided by the number of rows (the
gradient of ``reduce_mean(loss)``, ``mean`` true), or by ``scale``, one value per row.
It computes the loss and the scaled gradient in one kernel.

``analyze(op)`` works out, once per fused op, the sequence of ufunc calls the program
makes (``Call``s), the dtype of every value and its shape in symbols, so that a value
of the output's shape at run time is known without running anything.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from tensorflux.core.shapes import as_shape
from tensorflux.ops.op_def import defop, not_differentiable

defop("_Fused", ("*inputs",),
      attrs={"program": (), "dtype": None, "shape": None, "members": (), "out": -1,
             "inplace": -1},
      dtype_fn=lambda op: [op.attrs["dtype"]], shape_fn=lambda op: [as_shape(op.attrs["shape"])],
      doc="Elementwise ops (after a matmul) in one kernel; made by the graph optimizer.")
defop("_ApplyGradientDescentInPlace", ("var", "alpha", "delta"), attrs={"use_locking": False},
      shape_fn=lambda op: [op.inputs[0].shape], stateful=True, ref_inputs=(0,),
      doc="var -= alpha * delta, scaling delta in place; made by the graph optimizer.")
defop("_MatMulGradientDescent", ("var", "alpha", "a", "b"),
      attrs={"transpose_a": False, "transpose_b": False, "members": (), "use_locking": False},
      shape_fn=lambda op: [op.inputs[0].shape], stateful=True, ref_inputs=(0,),
      doc="var -= alpha * matmul(a, b) in place; made by the graph optimizer.")
defop("_XentWithGrad", ("logits", "labels", "scale"),
      attrs={"xent": "SparseSoftmaxCrossEntropyWithLogits", "mean": True, "members": ()},
      num_outputs=2, dtype_fn=lambda op: [op.inputs[0].dtype] * 2,
      shape_fn=lambda op: [op.inputs[1].shape if op.attrs["xent"].startswith("Sparse")
                           else as_shape(op.inputs[0].shape.as_tuple()[:-1]), op.inputs[0].shape],
      doc="A softmax cross entropy (op `xent`) and its gradient scaled row by row: by "
          "`scale` / rows when `mean` (the gradient of the mean loss), else by `scale`.")
not_differentiable("_Fused", "_ApplyGradientDescentInPlace", "_MatMulGradientDescent",
                   "_XentWithGrad")


@dataclass(frozen=True)
class Call:
    """One array call of a fused program: ``ufunc`` (an array-namespace name, or
    ``"matmul"`` with ``params``) on ``args``: ``("in", i)`` an input, ``("call", k)``
    call k's result, ``("const", 0 | 1)`` that number in ``dtype``, the op's. ``step``
    is the program step (and member op) it belongs to."""

    ufunc: str
    args: tuple
    step: int
    params: tuple = ()
    dtype: object = None  # the op's dtype, which ("const", v) takes


@dataclass
class Analysis:
    calls: list
    dtypes: dict       # ("in", i) / ("call", k) -> np.dtype
    dims: dict         # the same keys -> shape in symbols (ints known, others symbols)
    output: tuple      # ("call", k) of the last call

    def full(self, ref) -> bool:
        """Whether ``ref`` has the output's shape whenever the op runs."""
        return self.dims[ref] is not None and self.dims[ref] == self.dims[self.output]

    def anchor(self):
        """A value computed before any elementwise call that has the output's shape
        (an input, or the matrix product), or None."""
        first = self.calls[0]
        if first.ufunc == "matmul" and self.full(("call", 0)):
            return ("call", 0)
        return next((("in", i) for i in range(self.n_inputs) if self.full(("in", i))), None)

    @property
    def n_inputs(self) -> int:
        return sum(1 for key in self.dims if key[0] == "in")


_fresh = itertools.count()


def _symbolic(dims, tag):
    """Static dims with each unknown dim replaced by a symbol of its own."""
    if dims is None:
        return None
    return tuple(d if d is not None else ("sym", tag, i) for i, d in enumerate(dims))


def _broadcast(a, b):
    """Broadcast two symbolic shapes: equal symbols stay; a symbol against a known dim
    (other than 1) is that dim; two different symbols give a new one."""
    if a is None or b is None:
        return None
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        elif isinstance(x, int) or isinstance(y, int):
            out.append(x if isinstance(x, int) else y)
        else:
            out.append(("sym", "broadcast", next(_fresh)))
    return tuple(reversed(out))


def analyze(op) -> Analysis:
    """The calls, dtypes and symbolic shapes of a ``_Fused`` op's program."""
    from tensorflux.optimizer.op_table import ELEMENTWISE, SAME_SHAPE
    inputs = op.inputs
    n = len(inputs)
    dtypes = {("in", i): t.dtype.np_dtype for i, t in enumerate(inputs)}
    dims = {("in", i): _symbolic(t.shape.as_tuple(), (id(op), i)) for i, t in enumerate(inputs)}
    calls, result_of = [], {}
    for j, (op_type, args, params) in enumerate(op.attrs["program"]):
        refs = [("in", a) if a < n else result_of[a - n] for a in args]
        if op_type == "MatMul":
            (a, b), (ta, tb) = refs, params
            da, db = dims[a], dims[b]
            shape = None if da is None or db is None else (
                da[-1] if ta else da[-2], db[-2] if tb else db[-1])
            calls.append(Call("matmul", (a, b), j, (ta, tb)))
            dtypes[("call", len(calls) - 1)] = dtypes[a]
            dims[("call", len(calls) - 1)] = shape
        else:
            _, _, program = ELEMENTWISE[op_type]
            for ufunc, *operands in program:
                resolved = tuple(("call", len(calls) - 1) if o == "t" else
                                 ("const", int(o)) if isinstance(o, str) else refs[o]
                                 for o in operands)
                shape = ()
                for r in resolved:
                    if r[0] != "const":
                        shape = _broadcast(shape, dims[r])
                if op_type in SAME_SHAPE:  # the operands have one shape: the first's
                    shape = dims[refs[0]]
                probe = [np.ones((), dtypes[refs[0]] if r[0] == "const" else dtypes[r])
                         for r in resolved]
                calls.append(Call(ufunc, resolved, j, (), dtypes[refs[0]]))
                with np.errstate(all="ignore"):
                    dtypes[("call", len(calls) - 1)] = getattr(np, ufunc)(*probe).dtype
                dims[("call", len(calls) - 1)] = shape
        result_of[j] = ("call", len(calls) - 1)
    return Analysis(calls, dtypes, dims, ("call", len(calls) - 1))


def blame(exc, op, step):
    """Mark ``exc`` as raised by the member op of program step ``step`` of fused ``op``
    (read by the plan's error translation)."""
    members = op.attrs.get("members") or ()
    if step is not None and step < len(members):
        try:
            exc._tfx_op = members[step]
        except AttributeError:
            pass
