"""The functions of ``map``, ``filter``, ``flat_map``, ``interleave`` and ``reduce``:
Python functions of tensors traced once into a graph function.

A function is traced as ``tf.cond`` traces a branch: its ops go into a control-flow
context of their own (kind "function"), its arguments are ``Arg`` ops with the static
types of the elements, and the outer tensors it reads are its captures. When an iterator
op is compiled, each function becomes a sub-plan (``control_flow_exec.compile_context``)
that the runtime calls once per element with the element's arrays and the captures'
values, computed (or fed) when the iterator is initialized: TF1 captures outer tensors,
variables' values included, by value. As in TF1, the ops run on the CPU (the function is traced under ``tf.device("/cpu:0")``) and the
function is called with an element's components as separate arguments when the element
is a tuple.
"""
from __future__ import annotations

import re

from tensorflux.core import dtypes, nest
from tensorflux.core.control_flow import ControlFlowContext
from tensorflux.core.graph import Operation, get_default_graph
from tensorflux.data import structure


class DatasetFunction:
    """``func`` traced for elements of ``input_structure`` (a structure of TensorSpecs).

    kind: "element" (returns a structure of tensors: ``output_structure``), "dataset"
    (returns a Dataset: ``output_dataset``, whose tensors are the outputs) or
    "predicate" (returns a scalar boolean)."""

    def __init__(self, func, transformation, input_structure, kind="element"):
        if not callable(func):
            raise TypeError(f"{transformation} needs a callable, got {func!r}")
        self.transformation = transformation
        self.output_structure = None
        self.output_dataset = None
        graph = get_default_graph()
        name = re.sub(r"\W", "_", getattr(func, "__name__", "fn")).strip("_") or "fn"
        context = ControlFlowContext("function", f"{transformation}_{name}",
                                     graph._get_control_flow_context())
        self.context = context
        with graph.control_dependencies(None), graph._control_flow_context(context), \
                graph.device(None), graph.device("/device:CPU:0"), graph.name_scope(""), \
                graph.name_scope(f"Dataset_{transformation}_{name}"):
            args = [graph.create_op("Arg", [], {"dtype": s.dtype, "shape": s.shape, "index": i},
                                    name="arg")._outputs[0]
                    for i, s in enumerate(structure.flat_specs(input_structure))]
            element = nest.pack_sequence_as(input_structure, args)
            result = func(*element) if type(element) is tuple else func(element)
            outputs = self._outputs(result, kind)
        for op in context.ops:
            if op.type == "VariableV2":
                raise ValueError(f"The function of {transformation} creates the variable "
                                 f"{op.name!r}: create variables outside tf.data functions")
        context.args = args
        context.outputs = outputs
        context.captured = context.captures()
        self.captured = context.captured

    def _outputs(self, result, kind):
        from tensorflux.data.dataset import Dataset
        where = f"the function passed to {self.transformation}()"
        if kind == "dataset":
            if not isinstance(result, Dataset):
                raise TypeError(f"{where} must return a tf.data.Dataset, got {result!r}")
            self.output_dataset = result
            return list(result._captures())
        if isinstance(result, list):  # TF1: a list of tensors is a tuple, not one tensor
            result = tuple(result)
        if result is None or any(isinstance(leaf, (Operation, Dataset)) or leaf is None
                                 for leaf in nest.flatten(result)):
            raise TypeError(f"Unsupported return value from {where}: {result!r}. It must "
                            f"return tensors (or values convertible to tensors), possibly in "
                            f"nested tuples and dicts")
        result = structure.normalize(result, where)
        self.output_structure = structure.spec_of(result)
        if kind == "predicate":
            spec = self.output_structure
            if not isinstance(spec, structure.TensorSpec) or spec.dtype != dtypes.bool_ \
                    or not spec.shape.is_compatible_with([]):
                raise ValueError(f"`predicate` return type must be convertible to a scalar "
                                 f"boolean tensor. Was {spec}.")
        return nest.flatten(result)


class FunctionEnv:
    """The compiled functions of one iterator op, for one session: each function's
    sub-plan, compiled when the op's kernel is built. ``options`` are the pipeline's
    ``tf.data.Options``."""

    def __init__(self, session, owner, functions, options=None):
        from tensorflux.core.control_flow_exec import compile_context
        self.options = options
        variables = session._variables
        host = session._cpu_backend
        self._plans = {}
        for fn in functions:
            ctx = fn.context
            if owner is not None:  # the op a value transfer in the sub-plan is charged to
                ctx.owner = owner
            bound = ctx.args + ctx.captured
            plan, _ = compile_context(session, ctx, bound, [host] * len(bound), ctx.outputs,
                                      [host] * len(ctx.outputs))
            self._plans[fn] = plan
        self._variables = variables

    def bind(self, fn, captured_values):
        """``fn`` as a Python function of an element's arrays returning its outputs."""
        run, variables, captured = self._plans[fn].fn, self._variables, tuple(captured_values)
        if not captured:
            return lambda *args: run(variables, *args)
        return lambda *args: run(variables, *args, *captured)


def all_functions(dataset):
    """Every function of ``dataset``'s pipeline, those of datasets that functions
    return included (each once)."""
    out, seen, stack = [], set(), [dataset]
    while stack:
        ds = stack.pop()
        for fn in ds._functions:
            if fn not in seen:
                seen.add(fn)
                out.append(fn)
                if fn.output_dataset is not None:
                    stack.append(fn.output_dataset)
        stack.extend(ds._inputs)
    return out
