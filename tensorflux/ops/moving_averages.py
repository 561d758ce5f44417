"""``tf.train.ExponentialMovingAverage``: shadow variables that track variables or
tensors, with TF1's names, decay schedule and zero-debiasing."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, add_to_collection, get_default_graph, name_scope
from tensorflux.ops import math_ops, variables as variables_mod
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.control_flow_ops import group
from tensorflux.ops.variables import Variable

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def _shadow(primary, initial, name):
    """A non-trainable variable ``<primary>/<name>`` starting at ``initial``."""
    graph = get_default_graph()
    with graph.control_dependencies(None), graph.name_scope(None):
        return Variable(initial, name=f"{primary.op.name}/{name}", trainable=False)


def assign_moving_average(variable, value, decay, zero_debias=False, name=None):
    """variable -= (variable - value) * (1 - decay); with ``zero_debias`` the average is
    divided by 1 - decay ** steps so that it does not start biased towards zero."""
    with name_scope(name, "AssignMovingAvg", [variable, value, decay]) as scope:
        one_minus = math_ops.cast(1.0 - convert_to_tensor(decay), variable.dtype)
        if not zero_debias:
            return variable.assign_sub((variable.value() - value) * one_minus, name=scope)
        graph = get_default_graph()
        with graph.control_dependencies(None), graph.name_scope(None):
            base = variable.op.name
            biased = Variable(lambda: _zeros_like_static(variable.value()),
                              name=f"{base}/biased", trainable=False)
            local_step = Variable(lambda: convert_to_tensor(0.0, variable.dtype),
                                  name=f"{base}/local_step", trainable=False)
        update_biased = biased.assign_sub((biased.value() - value) * one_minus)
        step = local_step.assign_add(1.0)
        bias_factor = 1.0 - math_ops.pow(1.0 - one_minus, step)
        return variable.assign(update_biased / bias_factor, name=scope)


class ExponentialMovingAverage:
    """Keeps ``shadow = decay * shadow + (1 - decay) * value`` for each variable or tensor
    given to ``apply``; with ``num_updates`` the decay is min(decay, (1 + n) / (10 + n))."""

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage"):
        self._decay, self._num_updates = decay, num_updates
        self._zero_debias, self._name = zero_debias, name
        self._averages = {}
        self._debiased = set()

    name = property(lambda self: self._name)

    def apply(self, var_list=None):
        """Create the shadow variables and return the op that updates them all."""
        if var_list is None:
            var_list = variables_mod.trainable_variables()
        var_list = list(var_list)
        for var in var_list:
            if var.dtype not in _FLOATS:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            if var in self._averages:
                raise ValueError(f"Moving average already computed for: {var.name}")
            if isinstance(var, Variable):
                # starts at the variable's initial value (TF1: initialized_value())
                average = _shadow(var, var.initial_value, self._name)
                add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
            else:
                average = _shadow(var, lambda v=var: _zeros_like_static(v), self._name)
                if self._zero_debias:
                    self._debiased.add(average)
            self._averages[var] = average
        with name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, dtypes.float32, name="decay") \
                if not hasattr(self._decay, "dtype") else self._decay
            if self._num_updates is not None:
                n = math_ops.cast(self._num_updates, dtypes.float32, name="num_updates")
                decay = math_ops.minimum(decay, (1.0 + n) / (10.0 + n))
            updates = [assign_moving_average(self._averages[v], v, decay,
                                             zero_debias=self._averages[v] in self._debiased)
                       for v in var_list]
            return group(*updates, name=scope)

    def average(self, var):
        """The shadow variable of ``var`` (None if ``apply`` did not see it)."""
        return self._averages.get(var)

    def average_name(self, var):
        """The name the shadow variable of ``var`` has (or would have)."""
        if var in self._averages:
            return self._averages[var].op.name
        return f"{var.op.name}/{self._name}"

    def variables_to_restore(self, moving_avg_variables=None):
        """{checkpoint name: variable}: restore the averages into the variables (to
        evaluate with averaged weights) and every other global variable as itself."""
        if moving_avg_variables is None:
            moving_avg_variables = (variables_mod.trainable_variables()
                                    + get_default_graph().get_collection(
                                        GraphKeys.MOVING_AVERAGE_VARIABLES))
        averaged = list(dict.fromkeys(moving_avg_variables))
        name_map = {self.average_name(v): v for v in averaged}
        names = {v.name for v in averaged}
        for v in variables_mod.global_variables():
            if v.name not in names and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map


def _zeros_like_static(tensor):
    from tensorflux.ops import array_ops
    if not tensor.shape.is_fully_defined():
        raise ValueError(f"ExponentialMovingAverage needs a tensor of known shape, got "
                         f"{tensor.name} of shape {tensor.shape}")
    return array_ops.zeros(tensor.shape.as_list(), tensor.dtype)
