"""Kernels of the optimizers' sparse (IndexedSlices) updates, written once against ``xp``.

The sparse optimizer updates follow TF1: the rows of a repeated index are summed first
(``Optimizer._apply_sparse_duplicate_indices``), then only the named rows of the variable
and its slots change, except for Adam, whose TF1 sparse update decays ``m`` and ``v``
everywhere and so moves every row (``lazy`` gives LazyAdam's rows-only update).
"""
from __future__ import annotations

import functools

from tensorflux.backends.array_kernels import make_updater
from tensorflux.backends.kernel_table import KernelTable, fuser
from tensorflux.core import errors


def make_sparse_update_kernels(xp):
    K = KernelTable()
    updater = functools.partial(make_updater, xp, fuser(xp))

    def check_range(indices, n, what="indices"):
        if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n):
            flat = indices.ravel()
            bad = int(xp.argmax((flat < 0) | (flat >= n)))
            raise errors.InvalidArgumentError(
                None, None, f"{what}[{bad}] = {int(flat[bad])} is not in [0, {n})")

    def rows(values, indices, like):
        """``values`` as one row per index: [indices.size] + like.shape[1:]."""
        return values.reshape((indices.size,) + tuple(like.shape[1:]))

    # --- sparse optimizer updates ------------------------------------------------------------
    def summed(grad, indices, var):
        """(distinct indices, the gradient rows of each summed)."""
        check_range(indices, var.shape[0])
        idx, inverse = xp.unique(indices.ravel(), return_inverse=True)
        g = xp.zeros((idx.size,) + tuple(var.shape[1:]), dtype=grad.dtype)
        xp.add.at(g, inverse.ravel(), rows(grad, indices, var))
        return idx, g

    def momentum(attrs, var, accum, lr, grad, indices, mom):
        i, g = summed(grad, indices, var)
        a = accum[i] * mom + g
        accum[i] = a
        var[i] -= lr * (g + mom * a) if attrs["use_nesterov"] else lr * a

    def adagrad(attrs, var, accum, lr, grad, indices):
        i, g = summed(grad, indices, var)
        a = accum[i] + g * g
        accum[i] = a
        var[i] -= lr * g / xp.sqrt(a)

    def adadelta(attrs, var, accum, accum_update, lr, rho, eps, grad, indices):
        i, g = summed(grad, indices, var)
        a = rho * accum[i] + (1 - rho) * g * g
        update = xp.sqrt(accum_update[i] + eps) / xp.sqrt(a + eps) * g
        accum[i] = a
        accum_update[i] = rho * accum_update[i] + (1 - rho) * update * update
        var[i] -= lr * update

    def rmsprop(attrs, var, ms, mom, lr, rho, momentum_, eps, grad, indices):
        i, g = summed(grad, indices, var)
        m = rho * ms[i] + (1 - rho) * g * g
        ms[i] = m
        step = momentum_ * mom[i] + lr * g / xp.sqrt(m + eps)
        mom[i] = step
        var[i] -= step

    def centered_rmsprop(attrs, var, mg, ms, mom, lr, rho, momentum_, eps, grad, indices):
        i, g = summed(grad, indices, var)
        mean = rho * mg[i] + (1 - rho) * g
        m = rho * ms[i] + (1 - rho) * g * g
        mg[i], ms[i] = mean, m
        step = momentum_ * mom[i] + lr * g / xp.sqrt(m - mean * mean + eps)
        mom[i] = step
        var[i] -= step

    def ftrl(attrs, var, accum, linear, grad, indices, lr, l1, l2, l2_shrinkage, lr_power):
        i, g = summed(grad, indices, var)
        a, w = accum[i], var[i]
        new_a = a + g * g
        power = -lr_power
        sigma = (new_a ** power - a ** power) / lr
        lin = linear[i] + g + 2 * l2_shrinkage * w - sigma * w
        quadratic = new_a ** power / lr + 2 * l2
        linear[i] = lin
        var[i] = xp.where(xp.abs(lin) > l1, (xp.sign(lin) * l1 - lin) / quadratic, 0)
        accum[i] = new_a

    def adam(attrs, var, m, v, b1p, b2p, lr, b1, b2, eps, grad, indices):
        i, g = summed(grad, indices, var)
        lr_t = lr * xp.sqrt(1 - b2p) / (1 - b1p)
        if attrs["lazy"]:
            m_i = b1 * m[i] + (1 - b1) * g
            v_i = b2 * v[i] + (1 - b2) * g * g
            m[i], v[i] = m_i, v_i
            var[i] -= lr_t * m_i / (xp.sqrt(v_i) + eps)
            return
        m *= b1
        m[i] += (1 - b1) * g
        v *= b2
        v[i] += (1 - b2) * g * g
        var -= lr_t * m / (xp.sqrt(v) + eps)

    for name, n_refs, step in (("SparseApplyMomentum", 2, momentum),
                               ("SparseApplyAdagrad", 2, adagrad),
                               ("SparseApplyAdadelta", 3, adadelta),
                               ("SparseApplyRMSProp", 3, rmsprop),
                               ("SparseApplyCenteredRMSProp", 4, centered_rmsprop),
                               ("SparseApplyFtrlV2", 3, ftrl),
                               ("SparseApplyAdam", 3, adam)):
        K[name] = ("builder", updater(n_refs, step, fusable=False))
    return K
