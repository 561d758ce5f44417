"""Kernels of the elementwise, cumulative and segment ops of ``tensorflux.ops``
(``elementwise_ops``, ``reduction_ops``, ``segment_ops``), written once against an
array namespace ``xp``. Special functions come from ``special_functions(xp)``, looked
up when a kernel that needs one is built."""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.backends.special import special_functions
from tensorflux.core import errors

# op type -> (indices of inputs read on the host, outputs are host arrays)
HOST_MEMORY = {f"UnsortedSegment{r}": ((2,), False) for r in ("Sum", "Max", "Min", "Prod")}

# op type -> scipy.special function name
SPECIAL_UNARY = {"Erf": "erf", "Erfc": "erfc", "Erfinv": "erfinv", "Ndtri": "ndtri",
                 "Lgamma": "gammaln", "Digamma": "digamma", "BesselI0e": "i0e",
                 "BesselI1e": "i1e", "BesselI0": "i0", "BesselI1": "i1"}
SPECIAL_BINARY = {"Polygamma": "polygamma", "Zeta": "zeta", "Igamma": "gammainc",
                  "Igammac": "gammaincc", "Xlogy": "xlogy", "Xlog1py": "xlog1py"}
# op type -> array namespace function name
XP_ELEMENTWISE = {
    "Acos": "arccos", "Asin": "arcsin", "Atan": "arctan", "Sinh": "sinh", "Cosh": "cosh",
    "Asinh": "arcsinh", "Acosh": "arccosh", "Atanh": "arctanh", "Atan2": "arctan2",
    "NextAfter": "nextafter", "TruncateMod": "fmod", "IsInf": "isinf", "Invert": "invert",
    "BitwiseAnd": "bitwise_and", "BitwiseOr": "bitwise_or", "BitwiseXor": "bitwise_xor",
    "LeftShift": "left_shift", "RightShift": "right_shift", "Conj": "conj", "Real": "real",
    "Imag": "imag", "Angle": "angle",
}


def scan_reduce(xp, combine, ids, vals, out, merge=False):
    """out[id] = combine-reduction of the vals with that id (combined with out[id] too
    when ``merge``): sort by id, then a segmented inclusive scan in log2(n) elementwise
    steps (no ufunc.at, which CuPy lacks for max, min and multiply); the last entry of
    each run holds its result."""
    m = ids.size
    if not m:
        return out
    order = xp.argsort(ids, kind="stable")
    ids, vals = ids[order], vals[order]
    tail = (1,) * (vals.ndim - 1)
    step = 1
    while step < m:
        same = (ids[step:] == ids[:-step]).reshape((m - step,) + tail)
        scanned = vals.copy()
        scanned[step:] = xp.where(same, combine(vals[step:], vals[:-step]), vals[step:])
        vals, step = scanned, step * 2
    last = xp.concatenate([ids[1:] != ids[:-1], xp.ones(1, dtype=bool)])
    targets = ids[last]
    out[targets] = combine(out[targets], vals[last]) if merge else vals[last]
    return out


def make_math_kernels(xp):
    K = KernelTable()
    fn, builder = K.fn, K.builder

    for op_type, name in XP_ELEMENTWISE.items():
        fn(op_type, getattr(xp, name))

    def special(op_type, name):
        @builder(op_type)
        def build(op, ctx):
            f = getattr(special_functions(xp), name)
            dt = op.outputs[0].dtype.np_dtype
            return lambda *xs: xp.asarray(f(*xs)).astype(dt, copy=False)

    for op_type, name in {**SPECIAL_UNARY, **SPECIAL_BINARY, "Betainc": "betainc"}.items():
        special(op_type, name)

    def nonzero_divisor(y):
        return xp.where(y == 0, y.dtype.type(1), y)

    fn("DivNoNan", lambda x, y: xp.where(y == 0, x.dtype.type(0), x / nonzero_divisor(y)))
    fn("Xdivy", lambda x, y: xp.where(x == 0, x.dtype.type(0), x / nonzero_divisor(y)))
    fn("MulNoNan", lambda x, y: xp.where(y == 0, x.dtype.type(0), x) * y)

    def truncate_div(x, y):
        if x.dtype.kind == "f":
            return xp.trunc(x / y)
        q = xp.floor_divide(x, y)
        # floor and truncation differ when the quotient is negative and inexact
        return q + ((x - q * y != 0) & ((x < 0) != (y < 0))).astype(q.dtype)

    fn("TruncateDiv", truncate_div)

    def population_count(x):
        bits = x.dtype.itemsize * 8
        u = x.view(np.dtype(f"u{x.dtype.itemsize}"))
        count = xp.zeros(x.shape, dtype=np.uint8)
        for k in range(bits):
            count += xp.bitwise_and(xp.right_shift(u, k), 1).astype(np.uint8)
        return count

    fn("PopulationCount", population_count)

    @builder("Complex")
    def _complex(op, ctx):
        dt = op.outputs[0].dtype.np_dtype
        return lambda re, im: (re + im * 1j).astype(dt, copy=False)

    def cumulative(accumulate, identity):
        def b(op, ctx):
            axis, exclusive, reverse = (op.attrs[k] for k in ("axis", "exclusive", "reverse"))

            def run(x):
                ax = axis % x.ndim
                if reverse:
                    x = xp.flip(x, ax)
                out = accumulate(x, axis=ax, dtype=x.dtype)
                if exclusive and x.shape[ax]:
                    lead = (slice(None),) * ax
                    shifted = xp.empty_like(out)
                    shifted[lead + (slice(0, 1),)] = identity
                    shifted[lead + (slice(1, None),)] = out[lead + (slice(None, -1),)]
                    out = shifted
                return xp.flip(out, ax) if reverse else out
            return run
        return b

    K["Cumsum"] = ("builder", cumulative(xp.cumsum, 0))
    K["Cumprod"] = ("builder", cumulative(xp.cumprod, 1))

    # --- segment reductions ----------------------------------------------------------------
    def segment_kernel(kind, data, ids, n, empty):
        rest = data.shape[ids.ndim:]
        flat_ids = ids.reshape(-1)
        flat = data.reshape((flat_ids.size,) + rest)
        if flat_ids.size and bool((flat_ids >= n).any()):
            raise errors.InvalidArgumentError(None, None, f"segment_ids contains "
                                              f"{int(flat_ids.max())}, not in [0, {n})")
        keep = flat_ids >= 0
        flat_ids, flat = flat_ids[keep], flat[keep]
        out = xp.full((n,) + rest, empty, dtype=data.dtype)
        if kind in ("Sum", "Mean"):
            xp.add.at(out, flat_ids, flat)
            if kind == "Mean":
                count = xp.zeros(n, dtype=data.dtype)
                xp.add.at(count, flat_ids, data.dtype.type(1))
                out /= xp.maximum(count, data.dtype.type(1)).reshape((n,) + (1,) * len(rest))
            return out
        combine = {"Max": xp.maximum, "Min": xp.minimum, "Prod": xp.multiply}[kind]
        return scan_reduce(xp, combine, flat_ids, flat, out)

    def limits(dtype):
        info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
        return info.min, info.max

    def unsorted_segment(kind):
        def b(op, ctx):
            dt = op.outputs[0].dtype.np_dtype
            empty = {"Sum": 0, "Prod": 1, "Max": limits(dt)[0], "Min": limits(dt)[1]}[kind]
            return lambda data, ids, n: segment_kernel(kind, data, ids, int(n), empty)
        return b

    def sorted_segment(kind):
        def b(op, ctx):
            empty = 1 if kind == "Prod" else 0

            def run(data, ids):
                if ids.size and bool(((ids[1:] < ids[:-1]).any()) or bool(ids[0] < 0)):
                    raise errors.InvalidArgumentError(None, op, "segment ids are not increasing "
                                                      "and non-negative")
                n = int(ids[-1]) + 1 if ids.size else 0
                return segment_kernel(kind, data, ids, n, empty)
            return run
        return b

    for kind in ("Sum", "Max", "Min", "Prod"):
        K[f"UnsortedSegment{kind}"] = ("builder", unsorted_segment(kind))
    for kind in ("Sum", "Mean", "Max", "Min", "Prod"):
        K[f"Segment{kind}"] = ("builder", sorted_segment(kind))

    def segment_gather(params, ids):
        inside = (ids >= 0) & (ids < params.shape[0])
        out = xp.take(params, xp.where(inside, ids, 0), axis=0)
        mask = inside.reshape(inside.shape + (1,) * (params.ndim - 1))
        return xp.where(mask, out, params.dtype.type(0))

    fn("SegmentGather", segment_gather)

    def fft(rank, inverse):
        def b(op, ctx):
            f = xp.fft.ifftn if inverse else xp.fft.fftn
            axes = tuple(range(-rank, 0))
            dt = op.outputs[0].dtype.np_dtype
            return lambda x: f(x, axes=axes).astype(dt, copy=False)
        return b

    for op_type, inverse in (("FFT", False), ("IFFT", True)):
        for rank, suffix in ((1, ""), (2, "2D"), (3, "3D")):
            K[op_type + suffix] = ("builder", fft(rank, inverse))

    @builder("InvertPermutation")
    def _invert_permutation(op, ctx):
        def run(x):
            if x.size and bool((xp.sort(x) != xp.arange(x.size, dtype=x.dtype)).any()):
                raise errors.InvalidArgumentError(None, op, f"{op.inputs[0].name} is not a "
                                                  f"permutation of 0..{x.size - 1}")
            out = xp.empty_like(x)
            out[x] = xp.arange(x.size, dtype=x.dtype)
            return out
        return run

    return K
