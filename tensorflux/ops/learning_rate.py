"""Learning-rate schedules: tensors computed from the global step."""
from __future__ import annotations

import numpy as np

from tensorflux.core.graph import name_scope
from tensorflux.ops import math_ops
from tensorflux.ops.array_ops import where
from tensorflux.ops.constant_op import convert_to_tensor


def _schedule_inputs(learning_rate, global_step, decay_steps, what):
    if global_step is None:
        raise ValueError(f"global_step is required for {what}.")
    lr = convert_to_tensor(learning_rate, name="learning_rate")
    step = math_ops.cast(global_step, lr.dtype)
    return lr, step, math_ops.cast(convert_to_tensor(decay_steps), lr.dtype)


def _rate_schedule(learning_rate, global_step, decay_steps, decay_rate, staircase, what):
    """(lr, decay_rate, progress) of the rate-based schedules: progress is
    global_step / decay_steps, floored when ``staircase``."""
    lr, step, steps = _schedule_inputs(learning_rate, global_step, decay_steps, what)
    progress = step / steps
    if staircase:
        progress = math_ops.floor(progress)
    return lr, convert_to_tensor(decay_rate, dtype=lr.dtype), progress


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * decay_rate ** (global_step / decay_steps) (floored if staircase)."""
    with name_scope(name, "ExponentialDecay") as scope:
        lr, rate, p = _rate_schedule(learning_rate, global_step, decay_steps, decay_rate,
                                     staircase, "exponential_decay")
        return math_ops.multiply(lr, math_ops.pow(rate, p), name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """values[0] while x <= boundaries[0], values[1] while x <= boundaries[1], ..."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of values should be one more than the length of boundaries")
    with name_scope(name, "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        vals = [convert_to_tensor(v) for v in values]
        if len({v.dtype for v in vals}) != 1:
            raise ValueError("values must all have the same dtype")
        result = vals[-1]
        for b, v in reversed(list(zip(boundaries, vals[:-1]))):
            result = where(math_ops.less_equal(x, convert_to_tensor(b, dtype=x.dtype)), v, result)
        from tensorflux.ops.array_ops import identity
        return identity(result, name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """learning_rate / (1 + decay_rate * global_step / decay_steps) (floored if staircase)."""
    with name_scope(name, "InverseTimeDecay") as scope:
        lr, rate, p = _rate_schedule(learning_rate, global_step, decay_steps, decay_rate,
                                     staircase, "inverse_time_decay")
        return math_ops.divide(lr, 1.0 + rate * p, name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """learning_rate * exp(-decay_rate * global_step / decay_steps) (floored if staircase)."""
    with name_scope(name, "NaturalExpDecay") as scope:
        lr, rate, p = _rate_schedule(learning_rate, global_step, decay_steps, decay_rate,
                                     staircase, "natural_exp_decay")
        return math_ops.multiply(lr, math_ops.exp(-rate * p), name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """(learning_rate - end) * (1 - step / decay_steps) ** power + end, with the step
    held at decay_steps; with ``cycle``, decay_steps grows to the next multiple instead."""
    with name_scope(name, "PolynomialDecay") as scope:
        lr, step, steps = _schedule_inputs(learning_rate, global_step, decay_steps,
                                           "polynomial_decay")
        end = convert_to_tensor(end_learning_rate, dtype=lr.dtype)
        if cycle:  # decay_steps grows to the next multiple; step 0 is in the first cycle
            steps = steps * math_ops.maximum(math_ops.ceil(step / steps), 1.0)
        else:
            step = math_ops.minimum(step, steps)
        remaining = 1.0 - step / steps
        decayed = (lr - end) * math_ops.pow(remaining, convert_to_tensor(power, dtype=lr.dtype))
        return math_ops.add(decayed, end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """learning_rate * ((1 - alpha) * (1 + cos(pi * step / decay_steps)) / 2 + alpha),
    with the step held at decay_steps (Loshchilov & Hutter's SGDR without restarts)."""
    with name_scope(name, "CosineDecay") as scope:
        lr, step, steps = _schedule_inputs(learning_rate, global_step, decay_steps,
                                           "cosine_decay")
        step = math_ops.minimum(step, steps)
        cosine = 0.5 * (1.0 + math_ops.cos(np.pi * step / steps))
        alpha = convert_to_tensor(alpha, dtype=lr.dtype)
        return math_ops.multiply(lr, (1.0 - alpha) * cosine + alpha, name=scope)


piecewise_constant_decay = piecewise_constant


def _linear_cosine(lr, step, steps, linear, num_periods, alpha, beta, scope):
    cosine = 0.5 * (1.0 + math_ops.cos(np.pi * 2 * num_periods * step / steps))
    return math_ops.multiply(lr, (alpha + linear) * cosine + beta, name=scope)


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0,
                        beta=0.001, name=None):
    """learning_rate * ((alpha + linear) * cosine + beta), linear = (decay_steps - step) /
    decay_steps, cosine = (1 + cos(2 pi num_periods step / decay_steps)) / 2, with the step
    held at decay_steps (Bello et al., 2017)."""
    with name_scope(name, "LinearCosineDecay") as scope:
        lr, step, steps = _schedule_inputs(learning_rate, global_step, decay_steps,
                                           "linear_cosine_decay")
        step = math_ops.minimum(step, steps)
        return _linear_cosine(lr, step, steps, (steps - step) / steps, num_periods, alpha, beta,
                              scope)


def noisy_linear_cosine_decay(learning_rate, global_step, decay_steps, initial_variance=1.0,
                              variance_decay=0.55, num_periods=0.5, alpha=0.0, beta=0.001,
                              name=None):
    """linear_cosine_decay with Gaussian noise of variance initial_variance /
    (1 + step) ** variance_decay added to the linear term."""
    from tensorflux.ops.random_ops import random_normal
    with name_scope(name, "NoisyLinearCosineDecay") as scope:
        lr, step, steps = _schedule_inputs(learning_rate, global_step, decay_steps,
                                           "noisy_linear_cosine_decay")
        step = math_ops.minimum(step, steps)
        variance = initial_variance / math_ops.pow(1.0 + step, variance_decay)
        noise = random_normal([], dtype=lr.dtype) * math_ops.sqrt(variance)
        return _linear_cosine(lr, step, steps, (steps - step) / steps + noise, num_periods,
                              alpha, beta, scope)


def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0,
                          alpha=0.0, name=None):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017): period i lasts
    first_decay_steps * t_mul ** i steps and peaks at learning_rate * m_mul ** i."""
    with name_scope(name, "SGDRDecay") as scope:
        lr, step, steps = _schedule_inputs(learning_rate, global_step, first_decay_steps,
                                           "cosine_decay_restarts")
        done = step / steps
        if float(t_mul) == 1.0:
            restart = math_ops.floor(done)
            done = done - restart
        else:
            restart = math_ops.floor(math_ops.log(1.0 - done * (1.0 - t_mul)) / np.log(t_mul))
            total = (1.0 - math_ops.pow(convert_to_tensor(t_mul, lr.dtype), restart)) / (1.0 - t_mul)
            done = (done - total) / math_ops.pow(convert_to_tensor(t_mul, lr.dtype), restart)
        factor = math_ops.pow(convert_to_tensor(m_mul, lr.dtype), restart)
        cosine = 0.5 * factor * (1.0 + math_ops.cos(np.pi * done))
        return math_ops.multiply(lr, (1.0 - alpha) * cosine + alpha, name=scope)
