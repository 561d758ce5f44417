"""``tf.train`` optimizers with TF1's update rules, slot names and API.

``minimize`` = ``compute_gradients`` (one backward pass) + ``apply_gradients`` (one fused
in-place update op per variable, grouped). An IndexedSlices gradient (from
``tf.gather`` / ``tf.nn.embedding_lookup``) is applied as TF1's ``_apply_sparse`` does,
touching only the rows it names (Adam: see SparseApplyAdam). Slots are non-trainable global variables named
``<var>/<OptimizerName>`` (``theta/Momentum``, ``w/Adam``, ``w/Adam_1``) so Savers store
them.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import GraphKeys, Tensor, get_default_graph, name_scope
from tensorflux.ops import array_ops, control_flow_ops, variables as variables_mod
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.gradients import gradients
from tensorflux.ops.indexed_slices import IndexedSlices
from tensorflux.ops.variables import Variable


class Optimizer:
    """Base class. Subclasses implement ``_create_slots``, ``_apply_dense`` and, for
    IndexedSlices gradients, ``_apply_sparse`` (which gets distinct indices) or
    ``_apply_sparse_duplicate_indices``."""

    GATE_NONE, GATE_OP, GATE_GRAPH = 0, 1, 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict[Variable, Variable]] = {}
        self._non_slot: dict[str, Variable] = {}

    def get_name(self):
        return self._name

    # --- public API ------------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Add ops that update ``var_list`` (default: trainable variables) to reduce
        ``loss``; increments ``global_step`` when given. Returns the training op."""
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError(
                f"No gradients provided for any variable, check your graph for ops that do "
                f"not support gradients, between variables {[v.name for _, v in grads_and_vars]} "
                f"and loss {loss!r}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """A list of (gradient or None, variable) pairs, from one backward pass."""
        if callable(loss):
            loss = loss()
        loss = convert_to_tensor(loss)
        if var_list is None:
            var_list = (loss.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
                        + loss.graph.get_collection("trainable_resource_variables"))
        else:  # a variable's ref tensor stands for the variable, as in TF1
            var_list = [variables_mod.variable_of(v, "var_list") for v in var_list]
        if not var_list:
            raise ValueError("No variables to optimize.")
        grads = gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss])
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """One op applying the gradients (pairs with None gradients are skipped)."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        pairs = []
        for g, v in grads_and_vars:
            if g is None:
                continue
            v = variables_mod.variable_of(v, "apply_gradients")
            if not isinstance(g, IndexedSlices):
                g = convert_to_tensor(g)
            if g.dtype != v.dtype:
                raise TypeError(f"Gradient {g.name} has dtype {g.dtype.name} but variable "
                                f"{v.name} has dtype {v.dtype.name}")
            pairs.append((g, v))
        if not pairs:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[v.name for _, v in grads_and_vars]}.")
        graph = pairs[0][1].graph
        with graph.as_default():
            self._create_slots([v for _, v in pairs])
            with name_scope(name, self._name) as scope:
                self._prepare()
                updates = []
                for g, v in pairs:
                    with name_scope("update_" + v.op.name):
                        updates.append(self._apply_sparse_duplicate_indices(g, v)
                                       if isinstance(g, IndexedSlices) else self._apply_dense(g, v))
                finish = self._finish(updates, "update")
                if global_step is None:
                    apply_op = control_flow_ops.group(finish, name=scope)
                else:
                    with graph.control_dependencies([finish]):
                        apply_op = variables_mod.assign_add(
                            global_step, convert_to_tensor(1, dtype=global_step.dtype),
                            name=scope).op
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_op not in train_ops:
                train_ops.append(apply_op)
        return apply_op

    def get_slot(self, var, name):
        return self._slots.get(name, {}).get(var)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """Every variable this optimizer created (slots and others such as beta1_power)."""
        out = list(self._non_slot.values())
        for slots in self._slots.values():
            out.extend(slots.values())
        return sorted(out, key=lambda v: v.name)

    # --- for subclasses ----------------------------------------------------------------
    def _create_slots(self, var_list):
        pass

    def _prepare(self):
        pass

    def _finish(self, update_ops, name_scope_):
        return control_flow_ops.group(*update_ops, name=name_scope_)

    def _apply_dense(self, grad, var):
        raise NotImplementedError

    def _apply_sparse_duplicate_indices(self, grad, var):
        """Sum the rows of repeated indices, then ``_apply_sparse`` (TF1's contract).
        The built-in optimizers override this: their kernels sum repeated rows."""
        from tensorflux.ops.manip_ops import unique
        from tensorflux.ops.segment_ops import unsorted_segment_sum
        ids, positions = unique(grad.indices)
        values = unsorted_segment_sum(grad.values, positions, array_ops.shape(ids)[0])
        return self._apply_sparse(IndexedSlices(values, ids, grad.dense_shape), var)

    def _apply_sparse(self, grad, var):
        raise NotImplementedError(f"{type(self).__name__} has no sparse update; IndexedSlices "
                                  f"gradients need _apply_sparse")

    def _slot(self, var, slot_name, op_name, value=0.0):
        """Create (once) a slot variable ``<var>/<op_name>`` filled with ``value``."""
        slots = self._slots.setdefault(slot_name, {})
        if var in slots:
            return slots[var]
        graph = var.graph
        shape = var.shape.as_list()
        with graph.name_scope(None):
            slot = Variable(lambda: array_ops._filled(shape, value, var.dtype, None,
                                                      "zeros" if value == 0 else "Const"),
                            name=f"{var.op.name}/{op_name}", trainable=False)
        slots[var] = slot
        return slot

    def _non_slot_variable(self, name, value, like):
        if name not in self._non_slot:
            with like.graph.name_scope(None):
                self._non_slot[name] = Variable(value, name=name, trainable=False, dtype=like.dtype)
        return self._non_slot[name]

    def _hyper(self, value, var, name):
        """A hyperparameter as a tensor of the variable's dtype."""
        if callable(value) and not isinstance(value, Tensor):
            value = value()
        if isinstance(value, Tensor):
            from tensorflux.ops.math_ops import cast
            return cast(value, var.dtype)
        return convert_to_tensor(value, dtype=var.dtype, name=name)

    def _update(self, op_type, refs, values, attrs=None):
        graph = get_default_graph()
        inputs = [r._variable for r in refs] + list(values)
        return graph.create_op(op_type, inputs, attrs, name=op_type)

    def _fused(self, op_type, refs, before, grad, after=(), attrs=None):
        """The fused update ``op_type`` for a dense gradient, ``Sparse<op_type>`` for an
        IndexedSlices one (its rows and then its indices in the gradient's place)."""
        if isinstance(grad, IndexedSlices):
            op_type, grad_inputs = "Sparse" + op_type, [grad.values, grad.indices]
        else:
            grad_inputs = [grad]
        return self._update(op_type, refs, list(before) + grad_inputs + list(after), attrs)


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var, "learning_rate")
        return self._update("ApplyGradientDescent", [var], [lr, grad])

    def _apply_sparse_duplicate_indices(self, grad, var):
        lr = self._hyper(self._learning_rate, var, "learning_rate")
        return self._update("ScatterSub", [var], [grad.indices, grad.values * lr])


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum (or Nesterov's variant)."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate, self._momentum, self._nesterov = learning_rate, momentum, use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        return self._fused("ApplyMomentum", [var, self.get_slot(var, "momentum")],
                           [self._hyper(self._learning_rate, var, "learning_rate")], grad,
                           [self._hyper(self._momentum, var, "momentum")],
                           {"use_nesterov": bool(self._nesterov)})

    _apply_sparse_duplicate_indices = _apply_dense


class AdagradOptimizer(Optimizer):
    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate, self._initial = learning_rate, initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._name, self._initial)

    def _apply_dense(self, grad, var):
        return self._fused("ApplyAdagrad", [var, self.get_slot(var, "accumulator")],
                           [self._hyper(self._learning_rate, var, "learning_rate")], grad)

    _apply_sparse_duplicate_indices = _apply_dense


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal (McMahan et al., "Ad Click Prediction", 2013), as TF1 computes it:
    per-coordinate learning rates from the ``accum`` slot, L1 that sets weights to
    exactly zero, and the default optimizer of TF1's canned linear models."""

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0):
        checks = {"initial_accumulator_value": initial_accumulator_value,
                  "l1_regularization_strength": l1_regularization_strength,
                  "l2_regularization_strength": l2_regularization_strength,
                  "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength}
        for what, value in checks.items():
            if value < 0.0:
                raise ValueError(f"{what} must be non-negative, got {value}")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power must be <= 0, got {learning_rate_power}")
        super().__init__(use_locking, name)
        self._learning_rate, self._lr_power = learning_rate, learning_rate_power
        self._initial = initial_accumulator_value
        self._l1, self._l2 = l1_regularization_strength, l2_regularization_strength
        self._l2_shrinkage = l2_shrinkage_regularization_strength
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accum", self._accum_name or self._name, self._initial)
            self._slot(v, "linear", self._linear_name or self._name + "_1")

    def _apply_dense(self, grad, var):
        hyper = [self._hyper(value, var, name) for value, name in (
            (self._learning_rate, "learning_rate"), (self._l1, "l1_regularization_strength"),
            (self._l2, "l2_regularization_strength"),
            (self._l2_shrinkage, "l2_shrinkage_regularization_strength"),
            (self._lr_power, "learning_rate_power"))]
        return self._fused("ApplyFtrlV2", [var, self.get_slot(var, "accum"),
                                           self.get_slot(var, "linear")], [], grad, hyper)

    _apply_sparse_duplicate_indices = _apply_dense


class AdadeltaOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._learning_rate, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accum", self._name)
            self._slot(v, "accum_update", self._name + "_1")

    def _apply_dense(self, grad, var):
        return self._fused("ApplyAdadelta", [var, self.get_slot(var, "accum"),
                                             self.get_slot(var, "accum_update")],
                           [self._hyper(self._learning_rate, var, "lr"),
                            self._hyper(self._rho, var, "rho"),
                            self._hyper(self._epsilon, var, "epsilon")], grad)

    _apply_sparse_duplicate_indices = _apply_dense


class RMSPropOptimizer(Optimizer):
    """TF1's RMSProp: the ``rms`` slot starts at ones, ``momentum`` at zeros."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay, self._momentum = learning_rate, decay, momentum
        self._epsilon, self._centered = epsilon, centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "rms", self._name, 1.0)
            self._slot(v, "momentum", self._name + "_1")
            if self._centered:
                self._slot(v, "mg", self._name + "_2")

    def _apply_dense(self, grad, var):
        hyper = [self._hyper(self._learning_rate, var, "learning_rate"),
                 self._hyper(self._decay, var, "decay"),
                 self._hyper(self._momentum, var, "momentum"),
                 self._hyper(self._epsilon, var, "epsilon")]
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        if self._centered:
            return self._fused("ApplyCenteredRMSProp", [var, self.get_slot(var, "mg"), rms, mom],
                               hyper, grad)
        return self._fused("ApplyRMSProp", [var, rms, mom], hyper, grad)

    _apply_sparse_duplicate_indices = _apply_dense


class AdamOptimizer(Optimizer):
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._learning_rate, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        self._non_slot_variable("beta1_power", self._beta1, first)
        self._non_slot_variable("beta2_power", self._beta2, first)
        for v in var_list:
            self._slot(v, "m", self._name)
            self._slot(v, "v", self._name + "_1")

    def _powers(self, var):
        from tensorflux.ops.math_ops import cast
        b1, b2 = self._non_slot["beta1_power"], self._non_slot["beta2_power"]
        return [cast(b1.value(), var.dtype), cast(b2.value(), var.dtype)]

    def _apply_dense(self, grad, var):
        attrs = {"lazy": self._lazy} if isinstance(grad, IndexedSlices) else None
        return self._fused("ApplyAdam", [var, self.get_slot(var, "m"), self.get_slot(var, "v")],
                           self._powers(var) + [
                               self._hyper(self._learning_rate, var, "learning_rate"),
                               self._hyper(self._beta1, var, "beta1"),
                               self._hyper(self._beta2, var, "beta2"),
                               self._hyper(self._epsilon, var, "epsilon")], grad, attrs=attrs)

    # TF1's sparse Adam: m and v decay everywhere, so every row of var moves.
    _apply_sparse_duplicate_indices = _apply_dense
    _lazy = False

    def _finish(self, update_ops, name_scope_):
        b1, b2 = self._non_slot["beta1_power"], self._non_slot["beta2_power"]
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            u1 = b1.assign(b1.value() * self._beta1, name="update_beta1")
            u2 = b2.assign(b2.value() * self._beta2, name="update_beta2")
        return control_flow_ops.group(*update_ops, u1, u2, name=name_scope_)


class LazyAdamOptimizer(AdamOptimizer):
    """``tf.contrib.opt.LazyAdamOptimizer``: Adam whose sparse (IndexedSlices) update
    changes only the rows of ``m``, ``v`` and the variable that have a gradient; dense
    gradients are applied as by Adam."""

    _lazy = True


# --- global step --------------------------------------------------------------------------
def get_global_step(graph=None):
    graph = graph or get_default_graph()
    steps = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(steps) > 1:
        raise TypeError("There should be only one global step, found several")
    return steps[0] if steps else None


def create_global_step(graph=None):
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("\"global_step\" already exists.")
    with graph.as_default(), graph.name_scope(None):
        return Variable(convert_to_tensor(0, dtype=dtypes.int64), name="global_step",
                        trainable=False,
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor):
    """The current value of the global step, as a Python int."""
    return int(sess.run(global_step_tensor))
