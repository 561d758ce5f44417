"""Fused variable updates used by the optimizers (``ApplyAdam`` ...).

Each takes its variable and slots as ref inputs and updates them in place in the
session's store, so a training step allocates no new parameter buffers. Formulas are
TF1's; ``ApplyAdam`` expects the caller to advance beta1_power / beta2_power.
"""
from __future__ import annotations

from tensorflux.ops.op_def import defop, not_differentiable


def _var_shape(op):
    return [op.inputs[0].shape]


def _apply(name, inputs, n_refs, attrs=None, doc=""):
    defop(name, inputs, attrs=attrs or {"use_locking": False}, shape_fn=_var_shape,
          stateful=True, ref_inputs=tuple(range(n_refs)), doc=doc)
    not_differentiable(name)


_apply("ApplyGradientDescent", ("var", "alpha", "delta"), 1, doc="var -= alpha * delta")
_apply("ApplyMomentum", ("var", "accum", "lr", "grad", "momentum"), 2,
       {"use_locking": False, "use_nesterov": False},
       doc="accum = accum * momentum + grad; var -= lr * accum (Nesterov: lr * (grad + momentum * accum))")
_apply("ApplyAdagrad", ("var", "accum", "lr", "grad"), 2,
       doc="accum += grad^2; var -= lr * grad / sqrt(accum)")
_apply("ApplyAdadelta", ("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"), 3,
       doc="Adadelta (Zeiler 2012)")
_apply("ApplyRMSProp", ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"), 3,
       doc="ms = rho ms + (1-rho) g^2; mom = momentum mom + lr g / sqrt(ms + eps); var -= mom")
_apply("ApplyCenteredRMSProp", ("var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon",
                                "grad"), 4, doc="RMSProp with the mean gradient subtracted")
_apply("ApplyAdam", ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                     "epsilon", "grad"), 3, {"use_locking": False, "use_nesterov": False},
       doc="Adam (Kingma & Ba 2015) with TF1's bias-corrected step size")
_apply("ApplyFtrlV2", ("var", "accum", "linear", "grad", "lr", "l1", "l2", "l2_shrinkage",
                       "lr_power"), 3,
       doc="FTRL-Proximal (McMahan et al. 2013) as TF1's FtrlOptimizer; l2_shrinkage 0 is ApplyFtrl")

# Sparse variants, for IndexedSlices gradients: ``grad`` holds rows of the gradient at
# ``indices``. As TF1's optimizers (which sum repeated indices first), the kernels add up
# the rows of a repeated index, then update only the rows named (Adam: see below).
_apply("SparseApplyMomentum", ("var", "accum", "lr", "grad", "indices", "momentum"), 2,
       {"use_locking": False, "use_nesterov": False}, doc="ApplyMomentum on the rows at indices")
_apply("SparseApplyAdagrad", ("var", "accum", "lr", "grad", "indices"), 2,
       doc="ApplyAdagrad on the rows at indices")
_apply("SparseApplyAdadelta", ("var", "accum", "accum_update", "lr", "rho", "epsilon", "grad",
                               "indices"), 3, doc="ApplyAdadelta on the rows at indices")
_apply("SparseApplyRMSProp", ("var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad",
                              "indices"), 3, doc="ApplyRMSProp on the rows at indices")
_apply("SparseApplyCenteredRMSProp", ("var", "mg", "ms", "mom", "lr", "rho", "momentum",
                                      "epsilon", "grad", "indices"), 4,
       doc="ApplyCenteredRMSProp on the rows at indices")
_apply("SparseApplyFtrlV2", ("var", "accum", "linear", "grad", "indices", "lr", "l1", "l2",
                             "l2_shrinkage", "lr_power"), 3, doc="ApplyFtrlV2 on the rows at indices")
_apply("SparseApplyAdam", ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                           "epsilon", "grad", "indices"), 3, {"use_locking": False, "lazy": False},
       doc="TF1's AdamOptimizer._apply_sparse, fused: m and v decay everywhere, the rows at "
           "indices get the gradient, every row of var moves; lazy (LazyAdam): only those rows")
