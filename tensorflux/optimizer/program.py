"""The op list of one run signature while the passes rewrite it.

Passes never change the user's graph. An op they rewrite is replaced in the list by a
*derived* Operation: detached from the graph, with the original's name, creation site,
device, control inputs and output Tensors (so every consumer, feed and fetch still
finds its values), and another type, inputs or attrs. Fetched and fed tensors, fetched
operations and ops that others wait for (control inputs) are barriers: no pass removes
or merges them away.
"""
from __future__ import annotations

from tensorflux.core.graph import Operation, Tensor
from tensorflux.core.registry import registry


# Ops the executor turns into values itself, without a kernel (never placed).
_HOST_VALUES = frozenset({"Const", "Placeholder", "NoOp"})


class Program:
    """``ops`` (in run order) with the signature's fetches and feeds."""

    def __init__(self, session, ops, fetches, fed):
        self.session = session
        self.ops = list(ops)
        self.fed = set(fed)
        self.fetched = {f for f in fetches if isinstance(f, Tensor)}
        self.targets = {f._id for f in fetches if isinstance(f, Operation)}
        self.host = session._cpu_backend

    def backend(self, op) -> str:
        """Where ``op`` runs; constants and feeds are host values the plan holds."""
        if op._type in _HOST_VALUES:
            return self.host
        return self.session._backend_for(op)

    def consumers(self) -> dict:
        """Tensor -> the ops of the list that read it (each op once)."""
        out: dict = {}
        for op in self.ops:
            for t in dict.fromkeys(op._inputs):
                out.setdefault(t, []).append(op)
        return out

    def waited_for(self) -> set:
        """Ids of the ops that some op of the list, or the caller, waits for."""
        ids = set(self.targets)
        for op in self.ops:
            ids.update(c._id for c in op._control_inputs)
        return ids

    def derive(self, op, op_type=None, inputs=None, attrs=None, outputs=None) -> Operation:
        """An op standing in for ``op`` (see the module docstring), placed where ``op`` is."""
        new = Operation.__new__(Operation)
        new._graph, new._name, new._device = op._graph, op._name, op._device
        new._type = op_type or op._type
        new._opdef = registry.get_op(op_type) if op_type else op._opdef
        new._inputs = tuple(op._inputs if inputs is None else inputs)
        new.attrs = op.attrs if attrs is None else attrs
        new._control_inputs = list(op._control_inputs)
        new._outputs = list(op._outputs if outputs is None else outputs)
        new.location, new._id, new._context = op.location, op._id, op._context
        self.session._placement[new] = self.backend(op)
        return new

    def rewrite(self, step):
        """Run ``step(op)`` over the ops in order. It returns None (keep ``op``), a list
        of ops to put in its place, or a dict ``{tensor: replacement}``: ``op`` goes away
        and readers of each tensor read its replacement. A fetched tensor, and one that a
        stateful op reads (an MPI collective names its inputs to the other ranks), keeps
        its name through an Identity, which the plan turns into an alias. Inputs are
        forwarded before ``step`` sees an op."""
        named = self.fetched | {t for op in self.ops if not is_pure(op) for t in op._inputs}
        forward: dict = {}
        out = []
        for op in self.ops:
            if forward and any(t in forward for t in op._inputs):
                op = self.derive(op, inputs=[forward.get(t, t) for t in op._inputs])
            result = step(op)
            if result is None:
                out.append(op)
            elif isinstance(result, dict):
                for old, new in result.items():
                    if old in named:
                        out.append(self.derive(op, "Identity", [new], {}, [old]))
                    elif old not in self.fed:
                        forward[old] = new
            else:
                out.extend(result)
        self.ops = out


def is_pure(op) -> bool:
    """Whether ``op`` only computes its outputs from its inputs (no state, no effects)."""
    from tensorflux.core.executor import CONTROL_FLOW_OPS
    d = op._opdef
    return not (d.stateful or d.ref_inputs or op._type in CONTROL_FLOW_OPS)


def is_variable(t) -> bool:
    """Whether ``t`` is a variable's value, which the plan reads from the store right
    before each op that uses it (an Identity of one is an alias)."""
    while t._op._type == "Identity":
        t = t._op._inputs[0]
    return t._op._type == "VariableV2"


def reads_variable(op) -> bool:
    """Whether ``op`` reads a variable's value (read where the op runs, so moving or
    merging it across an update would change what it sees)."""
    refs = op._opdef.ref_inputs
    return any(is_variable(t) for i, t in enumerate(op._inputs) if i not in refs)


def dims(t):
    """The static dims of ``t`` as a tuple (None entries unknown), or None."""
    return t._shape.as_tuple()


def cannot_expand(other, full) -> bool:
    """Whether broadcasting a value of static shape ``other`` against one of shape
    ``full`` always leaves ``full``'s shape unchanged at run time: ``other`` has no more
    dims, and each of its dims is known to be 1 or to equal ``full``'s known dim."""
    if other is None or full is None or len(other) > len(full):
        return False
    return all(o == 1 or (o is not None and o == f)
               for o, f in zip(other[::-1], full[::-1]))
