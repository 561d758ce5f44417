"""Kernels written once against an array namespace ``xp`` (numpy or cupy).

``make_kernels(xp)`` returns ``{op_type: ("fn", f) | ("builder", b)}``: ``f(*inputs,
**attrs)`` for plain kernels, ``b(op, ctx) -> callable(*inputs)`` where attrs or session
state are involved (the callable is specialised once per plan, so the hot loop does no
attr handling). Kernels never modify their inputs and return arrays of the dtype the
op's dtype function promises.
"""
from __future__ import annotations

import builtins
import functools

import numpy as np

from tensorflux.backends.kernel_table import KernelTable, fuser
from tensorflux.core import errors


def make_updater(xp, fuse, n_refs, step, fusable=True):
    """A builder for an op that updates variables in place (Apply*, Scatter*):
    ``step(attrs, *slots, *values)`` updates the slots. Where the namespace fuses
    (CuPy), a fusable step is one kernel launch, made once per attrs (CuPy caches a
    fused function's kernels)."""
    fused = {}

    def b(op, ctx):
        names = [ctx.var_name(op, i) for i in range(n_refs)]
        store = ctx.variables
        attrs = op.attrs
        apply = functools.partial(step, attrs)
        if fuse is not None and fusable:
            key = tuple(sorted(attrs.items()))
            if key not in fused:
                fused[key] = fuse(kernel_name=f"tensorflux_{op.type}")(apply)
            apply = fused[key]

        def run(*values):
            try:
                slots = [store[n] for n in names]
            except KeyError as exc:
                raise errors.FailedPreconditionError(
                    None, op, f"Attempting to use uninitialized value {exc.args[0]}") from None
            for n, s in zip(names, slots):
                # never update a buffer we do not own (CuPy arrays are always writable)
                if not getattr(s.flags, "writeable", True):
                    store[n] = s = xp.array(s, copy=True)
            apply(*[store[n] for n in names], *values)
            return store[names[0]]
        return run
    return b


def make_kernels(xp):
    fuse = fuser(xp)
    K = KernelTable()
    fn, builder = K.fn, K.builder

    # --- elementwise ----------------------------------------------------------------
    for name, f in {
        "Neg": xp.negative, "Abs": xp.abs, "Sign": xp.sign, "Square": xp.square,
        "Sqrt": xp.sqrt, "Exp": xp.exp, "Log": xp.log, "Log1p": xp.log1p, "Expm1": xp.expm1,
        "Sin": xp.sin, "Cos": xp.cos, "Tan": xp.tan, "Tanh": xp.tanh,
        "Floor": xp.floor, "Ceil": xp.ceil, "Round": xp.rint,
        "Add": xp.add, "Sub": xp.subtract, "Mul": xp.multiply,
        "Maximum": xp.maximum, "Minimum": xp.minimum,
        "Equal": xp.equal, "NotEqual": xp.not_equal, "Less": xp.less,
        "LessEqual": xp.less_equal, "Greater": xp.greater, "GreaterEqual": xp.greater_equal,
        "LogicalAnd": xp.logical_and, "LogicalOr": xp.logical_or, "LogicalNot": xp.logical_not,
        "IsNan": xp.isnan, "IsFinite": xp.isfinite,
    }.items():
        fn(name, f)

    def integer_checked(divide):
        """``divide``, refusing an integer division by zero as TF1 does (NumPy would
        return 0 with a warning)."""
        def run(x, y):
            if y.dtype.kind in "iu" and not xp.all(y):
                raise errors.InvalidArgumentError(None, None, "Integer division by zero")
            return divide(x, y)
        return run

    def realdiv(x, y):
        return xp.true_divide(x, y) if x.dtype.kind in "fc" else xp.floor_divide(x, y)

    fn("FloorDiv", integer_checked(xp.floor_divide))
    fn("FloorMod", integer_checked(xp.mod))
    fn("RealDiv", integer_checked(realdiv))

    def pow_(x, y):
        if x.dtype.kind in "iu" and xp.any(y < 0):
            raise errors.InvalidArgumentError(None, None, "Integers to negative integer powers are not allowed")
        return xp.power(x, y)

    fn("Pow", pow_)

    @builder("CheckNumerics")
    def _check_numerics(op, ctx):
        message, name = op.attrs["message"], op.inputs[0].name

        def run(x):
            if not bool(xp.isfinite(x).all()):
                what = "NaN" if bool(xp.isnan(x).any()) else "Inf"
                raise errors.InvalidArgumentError(
                    None, op, f"{message} : Tensor had {what} values (tensor {name})")
            return x
        return run
    fn("Rsqrt", lambda x: 1 / xp.sqrt(x))
    fn("Reciprocal", lambda x: 1 / x)
    fn("SquaredDifference", lambda x, y: xp.square(x - y))

    def sigmoid(x):
        # exp(-|x|) never overflows; this is exact for both signs.
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    fn("Sigmoid", sigmoid)

    def tanh_grad(y, dy):
        out = y * y  # dy * (1 - y^2) with one temporary (NumPy gives 0-d results as scalars)
        if not out.ndim or out.shape != dy.shape:
            return (1 - out) * dy
        xp.subtract(1, out, out=out)
        out *= dy
        return out

    def sigmoid_grad(y, dy):
        out = 1 - y  # dy * y * (1 - y) with one temporary
        if not out.ndim or out.shape != dy.shape:
            return out * y * dy
        out *= y
        out *= dy
        return out

    fn("TanhGrad", tanh_grad)
    fn("SigmoidGrad", sigmoid_grad)

    # --- reductions ----------------------------------------------------------------------
    def reduction(np_fn, keep_int=True):
        def b(op, ctx):
            axis, keep = op.attrs["axis"], op.attrs["keep_dims"]
            out_dtype = op.outputs[0].dtype.np_dtype

            def run(x):
                return xp.asarray(np_fn(x, axis=axis, keepdims=keep)).astype(out_dtype, copy=False)
            return run
        return b

    def _sum(x, axis, keepdims):
        return xp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind != "b" else None)

    def _prod(x, axis, keepdims):
        return xp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype if x.dtype.kind != "b" else None)

    def _mean(x, axis, keepdims):
        if x.dtype.kind in "iu":
            return xp.trunc(xp.mean(x, axis=axis, keepdims=keepdims))
        # add.reduce / n skips np.mean's Python-level bookkeeping (a hot op in losses)
        total = (xp.add.reduce if xp is np else xp.sum)(x, axis=axis, keepdims=keepdims)
        count = x.size // max(total.size, 1) if x.size else 0
        return total / x.dtype.type(count) if count else total * x.dtype.type(np.nan)

    K["Sum"] = ("builder", reduction(_sum))
    K["Prod"] = ("builder", reduction(_prod))
    K["Mean"] = ("builder", reduction(_mean))
    K["Max"] = ("builder", reduction(xp.max))
    K["Min"] = ("builder", reduction(xp.min))
    K["All"] = ("builder", reduction(xp.all))
    K["Any"] = ("builder", reduction(xp.any))

    @builder("MeanGrad")
    def _mean_grad(op, ctx):
        axis = op.attrs["axis"]

        def run(grad, like):
            if not like.size:
                return xp.zeros(like.shape, dtype=grad.dtype)
            scale = grad.dtype.type(like.size // max(grad.size, 1))
            if grad.size == 1:  # the usual loss gradient: one value everywhere (a view)
                return xp.broadcast_to(grad.reshape(()) / scale, like.shape)
            axes = range(like.ndim) if axis is None else {a % like.ndim for a in axis}
            kept = tuple(1 if i in axes else d for i, d in enumerate(like.shape))
            return xp.broadcast_to(grad.reshape(kept) / scale, like.shape)
        return run

    def arg(np_fn):
        def b(op, ctx):
            axis, dt = op.attrs["axis"], op.attrs["output_type"].np_dtype
            return lambda x: np_fn(x, axis=axis).astype(dt)
        return b

    K["ArgMax"] = ("builder", arg(xp.argmax))
    K["ArgMin"] = ("builder", arg(xp.argmin))

    # --- linear algebra --------------------------------------------------------------------
    @builder("MatMul")
    def _matmul(op, ctx):
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta and not tb:
            return xp.matmul
        if all(t.shape.ndims == 2 for t in op.inputs):  # .T: a view, no function call
            if ta and tb:
                return lambda a, b: xp.matmul(a.T, b.T)
            return (lambda a, b: xp.matmul(a.T, b)) if ta else (lambda a, b: xp.matmul(a, b.T))
        sw = xp.swapaxes
        if ta and tb:
            return lambda a, b: xp.matmul(sw(a, -1, -2), sw(b, -1, -2))
        if ta:
            return lambda a, b: xp.matmul(sw(a, -1, -2), b)
        return lambda a, b: xp.matmul(a, sw(b, -1, -2))

    def add_n(*xs):
        out = xs[0] + xs[1]
        for x in xs[2:]:
            out += x
        return out

    def add_repeated(n):
        """``x + x + ... + x`` (n terms, in that order) as one running sum over a view
        that repeats ``x`` n times: the same additions in the same order, in one call
        instead of n - 1 (NumPy's; small values only, the running sums are kept)."""
        def run(*xs):
            x = xs[0]
            if x.size * n > 65536 or not x.flags.c_contiguous:
                return add_n(*xs)
            view = np.ndarray((n,) + x.shape, x.dtype, x, 0, (0,) + x.strides)
            return np.add.accumulate(view, axis=0, dtype=x.dtype)[-1]
        return run

    @builder("AddN")
    def _add_n(op, ctx):
        n = len(op.inputs)
        if xp is np and n > 2 and all(t is op.inputs[0] for t in op.inputs):
            return add_repeated(n)
        return add_n

    @builder("Cast")
    def _cast(op, ctx):
        dt = op.attrs["DstT"].np_dtype
        return lambda x: x.astype(dt)

    @builder("MatrixInverse")
    def _inverse(op, ctx):
        adjoint = op.attrs["adjoint"]

        def run(x):
            try:
                inv = xp.linalg.inv(x)
            except Exception as exc:  # numpy: LinAlgError (singular)
                raise errors.InvalidArgumentError(None, None, f"Input is not invertible: {exc}") from None
            if xp is not np and not bool(xp.isfinite(inv).all()):  # CuPy does not raise
                raise errors.InvalidArgumentError(None, None, "Input is not invertible: "
                                                  "its inverse has non-finite entries")
            return xp.swapaxes(inv, -1, -2).conj() if adjoint else inv
        return run

    fn("MatrixDeterminant", lambda x: xp.linalg.det(x))

    # --- array manipulation --------------------------------------------------------------
    fn("Identity", lambda x: x)
    fn("StopGradient", lambda x: x)
    fn("PlaceholderWithDefault", lambda x, shape=None: x)

    @builder("Shape")
    def _shape(op, ctx):
        dt = op.attrs["out_type"].np_dtype
        return lambda x: np.array(x.shape, dtype=dt)

    @builder("Size")
    def _size(op, ctx):
        dt = op.attrs["out_type"].np_dtype
        return lambda x: np.array(x.size, dtype=dt)

    fn("Rank", lambda x: np.array(x.ndim, dtype=np.int32))

    def reshape(x, shape):
        try:
            return xp.reshape(x, tuple(int(d) for d in shape))
        except ValueError as exc:
            raise errors.InvalidArgumentError(
                None, None, f"Input to reshape is a tensor with {x.size} values, but the "
                            f"requested shape is {[int(d) for d in shape]} ({exc})") from None

    fn("Reshape", reshape)

    @builder("Squeeze")
    def _squeeze(op, ctx):
        axes = tuple(op.attrs["squeeze_dims"]) or None
        return lambda x: xp.squeeze(x, axis=axes)

    @builder("ExpandDims")
    def _expand(op, ctx):
        axis = op.attrs["axis"]
        return lambda x: xp.expand_dims(x, axis)

    @builder("Transpose")
    def _transpose(op, ctx):
        perm = op.attrs["perm"]
        return lambda x: xp.transpose(x, perm)

    @builder("ConcatV2")
    def _concat(op, ctx):
        axis = op.attrs["axis"]
        return lambda *xs: xp.concatenate(xs, axis=axis)

    @builder("Pack")
    def _pack(op, ctx):
        axis = op.attrs["axis"]
        return lambda *xs: xp.stack(xs, axis=axis)

    @builder("Unpack")
    def _unpack(op, ctx):
        axis, num = op.attrs["axis"], op.attrs["num"]

        def run(x):
            if x.shape[axis] != num:
                raise errors.InvalidArgumentError(None, None, f"Input has {x.shape[axis]} "
                                                  f"entries along axis {axis}, expected {num}")
            return tuple(xp.moveaxis(x, axis, 0))
        return run

    @builder("SplitV")
    def _split(op, ctx):
        sizes, axis = op.attrs["size_splits"], op.attrs["axis"]
        cuts = list(np.cumsum(sizes)[:-1])

        def run(x):
            if sum(sizes) != x.shape[axis]:
                raise errors.InvalidArgumentError(None, None, f"sizes {list(sizes)} do not add up "
                                                  f"to dimension {axis} of shape {x.shape}")
            return tuple(xp.split(x, cuts, axis=axis))
        return run

    def slice_(x, begin, size):
        idx = []
        for b, s, n in zip(begin, size, x.shape):
            b, s = int(b), int(s)
            end = n if s == -1 else b + s
            if b < 0 or end > n or b > end:
                raise errors.InvalidArgumentError(None, None, f"Slice begin {list(map(int, begin))} "
                                                  f"size {list(map(int, size))} is out of bounds for shape {x.shape}")
            idx.append(builtins.slice(b, end))
        return x[tuple(idx)]

    fn("Slice", slice_)

    @builder("StridedSlice")
    def _strided(op, ctx):
        from tensorflux.ops.array_ops import _index_items
        index = _index_items(op.attrs["spec"])

        def run(x):
            try:
                return x[index]
            except IndexError as exc:
                raise errors.InvalidArgumentError(None, None, f"slice index out of bounds: {exc}") from None
        return run

    @builder("GatherV2")
    def _gather(op, ctx):
        axis = op.attrs["axis"]

        def run(params, indices):
            n = params.shape[axis]
            if indices.size and (indices.min() < 0 or indices.max() >= n):
                bad = indices[(indices < 0) | (indices >= n)].ravel()[0]
                raise errors.InvalidArgumentError(None, None, f"indices contains {int(bad)}, which "
                                                  f"is not in [0, {n})")
            return xp.take(params, indices, axis=axis)
        return run

    fn("Tile", lambda x, m: xp.tile(x, tuple(int(v) for v in m)))

    @builder("Pad")
    def _pad(op, ctx):
        mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[op.attrs["mode"]]
        cv = op.attrs["constant_values"]

        def run(x, paddings):
            pads = [(int(a), int(b)) for a, b in np.asarray(paddings).reshape(-1, 2)]
            if mode == "constant":
                return xp.pad(x, pads, mode="constant", constant_values=cv)
            return xp.pad(x, pads, mode=mode)
        return run

    fn("Fill", lambda dims, value: xp.full(tuple(int(d) for d in dims), value, dtype=value.dtype))
    fn("ZerosLike", xp.zeros_like)
    fn("OnesLike", xp.ones_like)

    @builder("Range")
    def _range(op, ctx):
        dt = op.outputs[0].dtype.np_dtype
        # start, limit and delta are host arrays (HOST_MEMORY): pass Python numbers
        return lambda s, l, d: xp.arange(s.item(), l.item(), d.item(), dtype=dt)

    @builder("LinSpace")
    def _linspace(op, ctx):
        dt = op.outputs[0].dtype.np_dtype
        return lambda s, e, n: xp.linspace(s.item(), e.item(), int(n), dtype=dt)

    @builder("OneHot")
    def _one_hot(op, ctx):
        depth, axis = op.attrs["depth"], op.attrs["axis"]

        def run(indices, on, off):
            eye = xp.arange(depth)
            hot = indices[..., None] == eye
            out = xp.where(hot, on, off).astype(on.dtype, copy=False)
            return out if axis == -1 else xp.moveaxis(out, -1, axis)
        return run

    def where(c):
        if c.ndim == 0:  # nonzero refuses 0-d arrays; TF gives one row of no indices, or none
            return xp.zeros((1 if bool(c) else 0, 0), dtype=np.int64)
        return xp.stack(xp.nonzero(c), axis=-1).astype(np.int64).reshape(-1, c.ndim)
    fn("Where", where)
    fn("Select", lambda c, x, y: xp.where(c if c.ndim != 1 or x.ndim <= 1 else
                                           c.reshape((-1,) + (1,) * (x.ndim - 1)), x, y))

    # --- gradient helpers --------------------------------------------------------------
    def sum_to_shape(x, like):
        shape = like.shape
        if x.shape == shape:
            return x
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape)
                                           if d == 1 and x.shape[i + lead] != 1)
        out = xp.sum(x, axis=axes, keepdims=True, dtype=x.dtype)
        return out.reshape(shape)

    fn("SumToShape", sum_to_shape)
    def broadcast_like(x, like):
        if x.size == 1:  # a reduced gradient: faster than broadcast_to
            return xp.full(like.shape, x.reshape(()), dtype=x.dtype)
        return xp.broadcast_to(x, like.shape)

    fn("BroadcastLike", broadcast_like)

    @builder("StridedSliceGrad")
    def _strided_grad(op, ctx):
        from tensorflux.ops.array_ops import _index_items
        index = _index_items(op.attrs["spec"])

        def run(grad, like):
            out = xp.zeros(like.shape, dtype=grad.dtype)
            out[index] = grad
            return out
        return run

    @builder("ScatterAddLike")
    def _scatter_add(op, ctx):
        axis = op.attrs["axis"]

        def run(updates, indices, like):
            out = xp.zeros(like.shape, dtype=updates.dtype)
            moved = xp.moveaxis(out, axis, 0)
            upd = xp.moveaxis(updates, axis, 0).reshape((indices.size,) + moved.shape[1:]) \
                if indices.ndim <= 1 else xp.moveaxis(updates.reshape(
                    updates.shape[:axis] + (indices.size,) + updates.shape[axis + indices.ndim:]), axis, 0)
            xp.add.at(moved, indices.reshape(-1), upd)
            return out
        return run

    # --- state ----------------------------------------------------------------------------
    def _checked(op, ctx):
        name = ctx.var_name(op)
        store = ctx.variables

        def current():
            try:
                return store[name]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, f"Attempting to use uninitialized value {name}") from None
        return name, store, current

    @builder("Assign")
    def _assign(op, ctx):
        name = ctx.var_name(op)
        store = ctx.variables
        shape = op.inputs[0].shape.as_tuple() if op.attrs["validate_shape"] else None
        if shape is not None and None in shape:
            shape = None

        def run(value):
            if shape is not None and value.shape != shape:
                raise errors.InvalidArgumentError(
                    None, op, f"Assign requires shapes of both tensors to match. lhs shape= "
                              f"{list(shape)} rhs shape= {list(value.shape)}")
            value = xp.array(value, copy=True)
            store[name] = value
            return value
        return run

    def accumulate(np_op):
        def b(op, ctx):
            name, store, current = _checked(op, ctx)

            def run(value):
                # asarray: NumPy gives a scalar for 0-d inputs; the store keeps arrays
                new = xp.asarray(np_op(current(), value))
                store[name] = new
                return new
            return run
        return b

    K["AssignAdd"] = ("builder", accumulate(xp.add))
    K["AssignSub"] = ("builder", accumulate(xp.subtract))

    @builder("IsVariableInitialized")
    def _is_init(op, ctx):
        name, store = ctx.var_name(op), ctx.variables
        return lambda: np.bool_(name in store)

    @builder("ReportUninitializedVariables")
    def _report(op, ctx):
        names, store = op.attrs["var_names"], ctx.variables
        return lambda: np.array([n.encode() for n in names if n not in store], dtype=object)

    # --- optimizer updates (in place on the variable store) ------------------------------
    updater = functools.partial(make_updater, xp, fuse)

    def gd(attrs, var, alpha, delta):
        var -= alpha * delta

    def momentum(attrs, var, accum, lr, grad, mom):
        accum *= mom
        accum += grad
        if attrs["use_nesterov"]:
            var -= lr * (grad + mom * accum)
        else:
            var -= lr * accum

    def adagrad(attrs, var, accum, lr, grad):
        accum += grad * grad
        var -= lr * grad / xp.sqrt(accum)

    def adadelta(attrs, var, accum, accum_update, lr, rho, eps, grad):
        accum *= rho
        accum += (1 - rho) * grad * grad
        update = xp.sqrt(accum_update + eps) / xp.sqrt(accum + eps) * grad
        accum_update *= rho
        accum_update += (1 - rho) * update * update
        var -= lr * update

    def rmsprop(attrs, var, ms, mom, lr, rho, momentum_, eps, grad):
        ms *= rho
        ms += (1 - rho) * grad * grad
        mom *= momentum_
        mom += lr * grad / xp.sqrt(ms + eps)
        var -= mom

    def centered_rmsprop(attrs, var, mg, ms, mom, lr, rho, momentum_, eps, grad):
        mg *= rho
        mg += (1 - rho) * grad
        ms *= rho
        ms += (1 - rho) * grad * grad
        mom *= momentum_
        mom += lr * grad / xp.sqrt(ms - mg * mg + eps)
        var -= mom

    def adam(attrs, var, m, v, b1p, b2p, lr, b1, b2, eps, grad):
        lr_t = lr * xp.sqrt(1 - b2p) / (1 - b1p)
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * grad * grad
        if attrs["use_nesterov"]:
            var -= lr_t * (b1 * m + (1 - b1) * grad) / (xp.sqrt(v) + eps)
        else:
            var -= lr_t * m / (xp.sqrt(v) + eps)

    def ftrl(attrs, var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power):
        new_accum = accum + grad * grad
        power = -lr_power
        sigma = (new_accum ** power - accum ** power) / lr
        linear += grad + 2 * l2_shrinkage * var - sigma * var
        quadratic = new_accum ** power / lr + 2 * l2
        var[...] = xp.where(xp.abs(linear) > l1, (xp.sign(linear) * l1 - linear) / quadratic, 0)
        accum[...] = new_accum

    K["ApplyGradientDescent"] = ("builder", updater(1, gd))
    K["ApplyFtrlV2"] = ("builder", updater(3, ftrl, fusable=False))  # where/sign: unfused
    K["ApplyMomentum"] = ("builder", updater(2, momentum))
    K["ApplyAdagrad"] = ("builder", updater(2, adagrad))
    K["ApplyAdadelta"] = ("builder", updater(3, adadelta))
    K["ApplyRMSProp"] = ("builder", updater(3, rmsprop))
    K["ApplyCenteredRMSProp"] = ("builder", updater(4, centered_rmsprop))
    K["ApplyAdam"] = ("builder", updater(3, adam))

    # --- random -----------------------------------------------------------------------------
    @builder("RandomUniform")
    def _uniform(op, ctx):
        rng, dt = ctx.rng(op), op.attrs["dtype"].np_dtype
        gen_dt = dt if dt in (np.float32, np.float64) else np.float64
        return lambda shape: xp.asarray(rng.random(tuple(int(d) for d in shape), dtype=gen_dt).astype(dt, copy=False))

    @builder("RandomStandardNormal")
    def _normal(op, ctx):
        rng, dt = ctx.rng(op), op.attrs["dtype"].np_dtype
        gen_dt = dt if dt in (np.float32, np.float64) else np.float64
        return lambda shape: xp.asarray(rng.standard_normal(tuple(int(d) for d in shape), dtype=gen_dt).astype(dt, copy=False))

    @builder("TruncatedNormal")
    def _truncated(op, ctx):
        rng, dt = ctx.rng(op), op.attrs["dtype"].np_dtype

        def run(shape):
            out = rng.standard_normal(tuple(int(d) for d in shape))
            bad = np.abs(out) > 2
            while bad.any():
                out[bad] = rng.standard_normal(int(bad.sum()))
                bad = np.abs(out) > 2
            return xp.asarray(out.astype(dt))
        return run

    @builder("RandomUniformInt")
    def _uniform_int(op, ctx):
        rng = ctx.rng(op)

        def run(shape, lo, hi):
            if lo >= hi:
                raise errors.InvalidArgumentError(None, op, f"Need minval < maxval, got {lo} >= {hi}")
            return xp.asarray(rng.integers(int(lo), int(hi), size=tuple(int(d) for d in shape)).astype(lo.dtype))
        return run

    @builder("RandomShuffle")
    def _shuffle(op, ctx):
        rng = ctx.rng(op)
        return lambda x: x[xp.asarray(rng.permutation(x.shape[0]))] if x.ndim else x

    return K
