"""Control-flow contexts: the ops of a cond branch or of a while loop's body.

``tf.cond`` and ``tf.while_loop`` trace their Python functions with the graph's current
context set to a ``ControlFlowContext``, so the ops they create are ordinary ops of the
graph (with TF1's names, ``rnn/while/basic_rnn_cell/MatMul``) that carry their context.
One ``If`` or ``While`` op then owns the context: it runs the context's ops when its
predicate says so, as a sub-plan the executor compiles for it (see
``tensorflux.core.executor``). Tensors created outside a context are read inside it
directly; the owner op lists them as inputs (its "captures"), so the graph's data
dependencies stay explicit.

A gradient context (the body of the loop that runs a forward loop backwards, or a
branch that differentiates a forward branch) may also read the tensors of its
``forward`` context: the forward op then hands their values over (``exposed`` values:
per branch, or one value per iteration for a loop).
"""
from __future__ import annotations


class ControlFlowContext:
    """The ops of one cond branch or one while loop (its cond and body share it).

    kind:     "cond" (a branch) or "while".
    name:     the name scope of its ops, e.g. "rnn/while" (for messages and files).
    parent:   the context the owner op is created in (None: the graph itself).
    forward:  for gradient contexts, the forward context whose tensors it may read.
    ops:      its ops, in creation order.
    args:     for loops, the tensors standing for the loop variables inside.
    cond_output: for loops, the boolean the loop's cond returns.
    outputs:  what the branch / body returns (tensors of this context or outer ones).
    control_outputs: ops a branch returns: they run when it is taken.
    captured: the tensors the owner op's capture inputs stand for inside (outer tensors,
              or values of the forward context), in the order of those inputs.
    exposed:  tensors of this context a gradient context reads; their values become
              extra outputs of the owner op.
    owner:    the If / While op, set once it exists.
    """

    def __init__(self, kind: str, name: str, parent=None, forward=None):
        self.kind = kind
        self.name = name
        self.parent = parent
        self.forward = forward
        self.ops = []
        self.args = []
        self.cond_output = None
        self.outputs = []
        self.control_outputs = []
        self.captured = []
        self.exposed = []
        self.owner = None

    def __repr__(self):
        return f"<ControlFlowContext {self.kind} {self.name!r}>"

    def is_within(self, other) -> bool:
        """Whether this context is ``other`` or nested inside it."""
        ctx = self
        while ctx is not None:
            if ctx is other:
                return True
            ctx = ctx.parent
        return other is None

    # --- what the owner op must be given ----------------------------------------------
    def captures(self):
        """Tensors made outside this context that its ops (or its outputs) read, in
        first-use order: the owner op takes them as inputs. Variables are read where
        they are used (their value may change inside), so they are not captured."""
        seen, out = set(), []

        def add(t):
            if t.op._context is not self and t not in seen and t.op.type != "VariableV2":
                seen.add(t)
                out.append(t)

        for op in self.ops:
            refs = op._opdef.ref_inputs
            for i, t in enumerate(op._inputs):
                if i not in refs:
                    add(t)
        for t in self.outputs + self.exposed:
            add(t)
        return out

    def outer_control_inputs(self):
        """Ops outside this context that ops inside wait for: the owner op waits."""
        seen, out = set(), []
        for op in self.ops:
            for c in op._control_inputs:
                if c._context is not self and c not in seen:
                    seen.add(c)
                    out.append(c)
        return out


def reads(context, tensor_or_op) -> str:
    """How an op created in ``context`` (None: the graph itself) may use
    ``tensor_or_op``: "local" (made there or outside, visible), "forward" (a value of the
    forward context of a gradient context, handed over by its owner op) or "" (not
    allowed: it is inside a branch or loop the new op is not in)."""
    target = tensor_or_op.op._context if hasattr(tensor_or_op, "value_index") \
        else tensor_or_op._context
    ctx = context
    while True:
        if target is ctx:
            return "local"
        if ctx is None:
            return ""
        if ctx.forward is not None and target is ctx.forward:
            return "forward"
        ctx = ctx.parent


def check_input(context, tensor_or_op, consumer_name: str):
    """Raise ValueError when an op named ``consumer_name`` created in ``context`` may
    not read ``tensor_or_op``, as TF1 refuses to use a loop's tensors outside it."""
    if reads(context, tensor_or_op):
        return
    inner = tensor_or_op.op if hasattr(tensor_or_op, "value_index") else tensor_or_op
    where = inner._context
    what = "a while loop" if where.kind == "while" else "a cond branch"
    raise ValueError(
        f"Cannot use {tensor_or_op.name!r} as input to {consumer_name!r} because "
        f"{inner.name!r} is in {what} ({where.name!r}) that {consumer_name!r} is not in. "
        f"Return the value from the branch or loop body and use the output of tf.cond / "
        f"tf.while_loop instead.")
