"""TF1's proximal optimizers and AdagradDA, with TF1's update formulas (from its
``ApplyProximalGradientDescent``, ``ApplyProximalAdagrad`` and ``ApplyAdagradDA``
kernels), composed from ordinary ops and assignments."""
from __future__ import annotations

from tensorflux.ops import math_ops
from tensorflux.ops.optimizers import Optimizer


def _l1_l2(optimizer, var):
    """The regularization strengths as tensors (l1 None when it is 0: no shrinking)."""
    l1 = optimizer._hyper(optimizer._l1, var, "l1") if optimizer._l1 > 0 else None
    return l1, optimizer._hyper(optimizer._l2, var, "l2")


def _shrink(prox, rate, l1, l2):
    """sign(v) max(|v| - rate l1, 0) / (1 + rate l2), or v / (1 + rate l2) without l1."""
    if l1 is None:
        return prox / (1.0 + rate * l2)
    return (math_ops.sign(prox) * math_ops.maximum(math_ops.abs(prox) - rate * l1, 0.0)
            / (1.0 + rate * l2))


class ProximalGradientDescentOptimizer(Optimizer):
    """Gradient descent followed by the proximal step of l1 and l2 regularization:
    v = var - lr grad; var = sign(v) max(|v| - lr l1, 0) / (1 + lr l2)."""

    def __init__(self, learning_rate, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False,
                 name="ProximalGradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var, "learning_rate")
        l1, l2 = _l1_l2(self, var)
        return var.assign(_shrink(var.value() - lr * grad, lr, l1, l2)).op


class ProximalAdagradOptimizer(Optimizer):
    """Adagrad's per-coordinate rate lr / sqrt(accum) with the proximal l1/l2 step."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalAdagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate, self._initial = learning_rate, initial_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._name, self._initial)

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "accumulator").assign_add(grad * grad)
        rate = self._hyper(self._learning_rate, var, "learning_rate") * math_ops.rsqrt(accum)
        l1, l2 = _l1_l2(self, var)
        return var.assign(_shrink(var.value() - rate * grad, rate, l1, l2)).op


class AdagradDAOptimizer(Optimizer):
    """Adagrad dual averaging (Duchi et al., 2011) for sparse linear models: with g the
    sum of gradients, gg the sum of their squares and T = global_step + 1,
    var = -sign(g) lr max(|g| - l1 T, 0) / (l2 T lr + sqrt(gg))."""

    def __init__(self, learning_rate, global_step, initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="AdagradDA"):
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError(f"initial_gradient_squared_accumulator_value must be positive: "
                             f"{initial_gradient_squared_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate, self._global_step = learning_rate, global_step
        self._initial = initial_gradient_squared_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "gradient_accumulator", self._name)
            self._slot(v, "gradient_squared_accumulator", self._name + "_1", self._initial)

    def _apply_dense(self, grad, var):
        g = self.get_slot(var, "gradient_accumulator").assign_add(grad)
        gg = self.get_slot(var, "gradient_squared_accumulator").assign_add(grad * grad)
        step = math_ops.cast(self._global_step, var.dtype) + 1.0
        lr = self._hyper(self._learning_rate, var, "learning_rate")
        l1, l2 = _l1_l2(self, var)
        denominator = l2 * step * lr + math_ops.sqrt(gg)
        if l1 is not None:
            numerator = -lr * math_ops.sign(g) * math_ops.maximum(math_ops.abs(g) - l1 * step, 0.0)
        else:
            numerator = -lr * g
        return var.assign(numerator / denominator).op
