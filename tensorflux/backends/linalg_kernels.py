"""Kernels of ``tensorflux.ops.linalg_ops``, written once against an array namespace.

Decompositions use ``xp.linalg`` functions that NumPy and CuPy share (cholesky, qr, svd,
eigh, solve, slogdet). NumPy batches them itself; elsewhere the batch is looped over,
since CuPy batches only some of them. NumPy raises on singular or indefinite input; a
device returns non-finite values instead, which the kernels turn into the same error.
"""
from __future__ import annotations

import numpy as np

from tensorflux.backends.kernel_table import KernelTable
from tensorflux.core import errors


def make_linalg_kernels(xp):
    K = KernelTable()
    fn, builder = K.fn, K.builder

    def batched(f, n_out=1):
        """``f`` over the leading (batch) dimensions of its array arguments."""
        if xp is np:
            return f

        def run(*arrays):
            batch = arrays[0].shape[:-2]
            if not batch:
                return f(*arrays)
            flat = [a.reshape((-1,) + a.shape[-2:]) for a in arrays]
            results = [f(*parts) for parts in zip(*flat)]
            if n_out == 1:
                out = xp.stack(results)
                return out.reshape(batch + out.shape[1:])
            outs = [xp.stack([r[i] for r in results]) for i in range(n_out)]
            return tuple(o.reshape(batch + o.shape[1:]) for o in outs)
        return run

    def checked(op, message, f):
        def run(*arrays):
            try:
                out = f(*arrays)
            except Exception as exc:  # numpy.linalg.LinAlgError
                raise errors.InvalidArgumentError(None, op, f"{message} ({exc})") from None
            if xp is not np:
                first = out[0] if isinstance(out, tuple) else out
                if not bool(xp.isfinite(first).all()):
                    raise errors.InvalidArgumentError(None, op, message)
            return out
        return run

    def adjoint(x):
        x = xp.swapaxes(x, -1, -2)
        return x.conj() if x.dtype.kind == "c" else x

    @builder("Cholesky")
    def _cholesky(op, ctx):
        return checked(op, "Cholesky decomposition was not successful. The input might not "
                           "be valid (symmetric positive definite).",
                       batched(xp.linalg.cholesky))

    def broadcast_pair(a, b):
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        return xp.broadcast_to(a, batch + a.shape[-2:]), xp.broadcast_to(b, batch + b.shape[-2:])

    @builder("MatrixSolve")
    def _solve(op, ctx):
        adj = op.attrs["adjoint"]
        solve = checked(op, "Input matrix is not invertible.", batched(xp.linalg.solve))
        return lambda a, b: solve(*broadcast_pair(adjoint(a) if adj else a, b))

    @builder("MatrixTriangularSolve")
    def _triangular_solve(op, ctx):
        lower, adj = op.attrs["lower"], op.attrs["adjoint"]
        solve = checked(op, "Input matrix is not invertible.", batched(xp.linalg.solve))

        def run(a, b):
            a = xp.tril(a) if lower else xp.triu(a)
            return solve(*broadcast_pair(adjoint(a) if adj else a, b))
        return run

    @builder("LogMatrixDeterminant")
    def _slogdet(op, ctx):
        f = batched(xp.linalg.slogdet, n_out=2) if xp is not np else xp.linalg.slogdet

        def run(x):
            sign, logdet = f(x)
            return xp.asarray(sign).astype(x.dtype), xp.asarray(logdet).astype(x.dtype.type(0).real.dtype)
        return run

    @builder("Qr")
    def _qr(op, ctx):
        mode = "complete" if op.attrs["full_matrices"] else "reduced"
        return batched(lambda a: tuple(xp.linalg.qr(a, mode=mode)), n_out=2)

    @builder("Svd")
    def _svd(op, ctx):
        full, uv = op.attrs["full_matrices"], op.attrs["compute_uv"]

        def one(a):
            if not uv:
                return xp.linalg.svd(a, compute_uv=False)
            u, s, vh = xp.linalg.svd(a, full_matrices=full)
            return s, u, adjoint(vh)

        run = checked(op, "SVD did not converge", batched(one, n_out=3 if uv else 1))
        if uv:
            return run
        empty = xp.zeros(0, dtype=op.inputs[0].dtype.np_dtype)
        return lambda a: (run(a), empty, empty)

    @builder("SelfAdjointEigV2")
    def _eigh(op, ctx):
        compute_v = op.attrs["compute_v"]
        run = checked(op, "Self-adjoint eigen decomposition was not successful",
                      batched(lambda a: tuple(xp.linalg.eigh(a)), n_out=2))
        empty = xp.zeros(0, dtype=op.inputs[0].dtype.np_dtype)
        return run if compute_v else (lambda a: (run(a)[0], empty))

    @builder("MatrixBandPart")
    def _band_part(op, ctx):
        lower, upper = op.attrs["num_lower"], op.attrs["num_upper"]

        def run(x):
            rows = xp.arange(x.shape[-2]).reshape(-1, 1)
            cols = xp.arange(x.shape[-1]).reshape(1, -1)
            keep = xp.ones((x.shape[-2], x.shape[-1]), dtype=bool)
            if lower >= 0:
                keep &= rows - cols <= lower
            if upper >= 0:
                keep &= cols - rows <= upper
            return xp.where(keep, x, x.dtype.type(0))
        return run

    def matrix_diag(d):
        n = d.shape[-1]
        out = xp.zeros(d.shape + (n,), dtype=d.dtype)
        idx = xp.arange(n)
        out[..., idx, idx] = d
        return out

    def set_diag(x, d):
        k = min(x.shape[-2:])
        out = x.copy()
        idx = xp.arange(k)
        out[..., idx, idx] = d
        return out

    fn("MatrixDiag", matrix_diag)
    fn("MatrixDiagPart", lambda x: xp.diagonal(x, axis1=-2, axis2=-1).copy())
    fn("MatrixSetDiag", set_diag)

    def tensor_diag(d):
        n = d.size
        out = xp.zeros((n, n), dtype=d.dtype)
        idx = xp.arange(n)
        out[idx, idx] = d.reshape(-1)
        return out.reshape(d.shape + d.shape)

    def tensor_diag_part(x):
        half = x.shape[:x.ndim // 2]
        n = int(np.prod(half))
        return xp.diagonal(x.reshape(n, n)).reshape(half).copy()

    fn("Diag", tensor_diag)
    fn("DiagPart", tensor_diag_part)
    fn("Cross", lambda a, b: xp.cross(a, b))

    @builder("Lu")
    def _lu(op, ctx):
        dt = op.attrs["output_idx_type"].np_dtype

        def run(a):
            """Doolittle's elimination with partial pivoting, over the whole batch at once."""
            n = a.shape[-1]
            lu = xp.array(a, copy=True)
            perm = xp.array(xp.broadcast_to(xp.arange(n, dtype=dt), a.shape[:-1]), copy=True)
            flat, flat_perm = lu.reshape((-1, n, n)), perm.reshape((-1, n))
            rows = xp.arange(flat.shape[0])
            for k in range(n):
                pivot_row = k + xp.argmax(xp.abs(flat[:, k:, k]), axis=1)
                for m in (flat, flat_perm):  # swap rows k and pivot_row
                    top, bottom = m[rows, k].copy(), m[rows, pivot_row].copy()
                    m[rows, k], m[rows, pivot_row] = bottom, top
                pivot = flat[:, k, k]
                if bool((pivot == 0).any()):
                    raise errors.InvalidArgumentError(None, op, "Input is not invertible.")
                factors = flat[:, k + 1:, k] / pivot.reshape(-1, 1)
                flat[:, k + 1:, k] = factors
                flat[:, k + 1:, k + 1:] -= factors.reshape(factors.shape + (1,)) * \
                    flat[:, k, k + 1:].reshape((flat.shape[0], 1, n - k - 1))
            return lu, perm
        return run

    def expm(a):
        """Scaling and squaring: the Taylor series of A / 2^s (norm <= 1/2, 18 terms,
        below float64 rounding), squared s times."""
        norm = float(xp.abs(a).sum(axis=-2).max()) if a.size else 0.0
        s = max(0, int(np.ceil(np.log2(norm / 0.5)))) if norm > 0.5 else 0
        x = a / a.dtype.type(2.0 ** s)
        term = xp.array(xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape), copy=True)
        result = term.copy()
        for k in range(1, 19):
            term = xp.matmul(term, x) / a.dtype.type(k)
            result = result + term
        for _ in range(s):
            result = xp.matmul(result, result)
        return result

    fn("MatrixExponential", expm)

    @builder("Einsum")
    def _einsum(op, ctx):
        equation = op.attrs["equation"]
        dt = op.outputs[0].dtype.np_dtype
        return lambda *xs: xp.asarray(xp.einsum(equation, *xs)).astype(dt, copy=False)

    return K
