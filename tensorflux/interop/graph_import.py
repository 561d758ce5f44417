"""Import a TensorFlow ``GraphDef`` (binary ``.pb``, text ``.pbtxt``, or in memory).

Each node is converted by its entry in ``tf_ops.IMPORT`` into tensorflux ops with the
node's own name, so ``"dnn/outputs/add:0"`` names the same tensor in both. TensorFlow's
v1 while loops (a *frame*: Enter, Merge, Switch, LoopCond, NextIteration and Exit
nodes around a body) become one ``While`` op: the importer finds each frame's loop
variables (Enter → Merge → Switch → Exit, with NextIteration feeding the Merge back),
its invariants (constant Enters) and its predicate (LoopCond), and traces the nodes
between them with ``tf.while_loop``, nested frames included. TensorArray handles are
dropped: tensorflux's TensorArrays are carried by their flows alone.

Before anything is created the whole GraphDef is checked: unknown inputs, duplicate
names, cycles (other than loops' NextIteration edges) and op types without a converter
(all of them, in one message) raise ``GraphFormatError`` (a ValueError, as TF1's
``import_graph_def`` raises) naming the source and the node. Nothing in the file is
executed: attrs are decoded by type, constants bounded by their own bytes.
"""
from __future__ import annotations

from tensorflux.core.shapes import TensorShape
from tensorflux.interop import protos
from tensorflux.interop.tf_ops import IGNORED_ATTRS, IMPORT, UnsupportedGraph
from tensorflux.serialization.graph_format import GraphFormatError

LOOP_OPS = ("Enter", "RefEnter", "Merge", "RefMerge", "Switch", "RefSwitch", "LoopCond",
            "NextIteration", "RefNextIteration", "Exit", "RefExit")
_MISSING = object()


# --- reading files -----------------------------------------------------------------------------
def read_graph_def(path: str):
    """A GraphDef from a binary (``.pb``) or text (``.pbtxt``) file."""
    return protos.read_proto_file(path, protos.graph_pb2().GraphDef(), "TensorFlow GraphDef")


# --- attrs ---------------------------------------------------------------------------------------
def decode_attr(value, where):
    """A Python value for an AttrValue proto: str, int, float, bool, DType, TensorShape,
    NumPy array (tensor), function name, or a tuple of these."""
    kind = value.WhichOneof("value")
    if kind == "list":
        lst = value.list
        for field in ("s", "i", "f", "b", "type", "shape", "tensor", "func"):
            items = getattr(lst, field)
            if len(items):
                return tuple(_decode_scalar(field, v, where) for v in items)
        return ()
    if kind is None:
        return None
    if kind == "placeholder":
        raise GraphFormatError(f"{where}: attr placeholders (functions) are not supported")
    return _decode_scalar(kind, getattr(value, kind), where)


def _decode_scalar(kind, v, where):
    try:
        if kind == "s":
            return v.decode("utf-8")
        if kind == "type":
            return protos.from_tf_enum(v)
        if kind == "shape":
            return protos.shape_from_proto(v)
        if kind == "tensor":
            return protos.tensor_from_proto(v, where)
        if kind == "func":
            return v.name
        return {"i": int, "f": float, "b": bool}[kind](v)
    except (UnicodeDecodeError, TypeError, ValueError) as exc:
        raise GraphFormatError(f"{where}: malformed attr value: {exc}") from None


# --- one node being converted -------------------------------------------------------------------
class NodeContext:
    """What a converter of ``tf_ops.IMPORT`` sees: the NodeDef, its input tensors (in
    TensorFlow's order), its attrs, and ``emit`` to create tensorflux ops."""

    def __init__(self, importer, node, inputs, name, controls):
        self.node, self.inputs, self.name = node, inputs, name
        self.where = f"{importer.source}: node {node.name!r} ({node.op})"
        self._importer, self._controls = importer, controls

    def attr(self, name, default=_MISSING):
        if name not in self.node.attr:
            if default is _MISSING:
                raise GraphFormatError(f"{self.where}: missing attr {name!r}")
            return default
        return decode_attr(self.node.attr[name], f"{self.where} attr {name!r}")

    def const(self, i):
        """The constant value of input ``i`` (TensorFlow's axes, perms, sizes)."""
        if i >= len(self.inputs):
            raise GraphFormatError(f"{self.where}: needs at least {i + 1} inputs")
        value = fold_constant(self.inputs[i])
        if value is None:
            raise UnsupportedGraph(f"{self.where}: input {i} ({self.inputs[i].name}) must be "
                                   f"a constant for tensorflux to import this node")
        return value

    def require_nhwc(self):
        fmt = self.attr("data_format", "NHWC")
        if fmt not in ("NHWC", "NWC", "NDHWC"):
            raise UnsupportedGraph(f"{self.where}: data_format {fmt!r} is not supported (only "
                                   f"NHWC)")

    def require_unit(self, name):
        value = self.attr(name, ())
        if any(v != 1 for v in value):
            raise UnsupportedGraph(f"{self.where}: {name}={list(value)} is not supported")

    def import_while(self):
        return self._importer.functional_while(self)

    def import_if(self):
        return self._importer.functional_if(self)

    def emit(self, op_type, inputs, attrs=None, suffix=None):
        """Create one tensorflux op: the node's own name, or ``<name>/<suffix>`` for the
        helper ops of a node that needs several."""
        graph = self._importer.graph
        if suffix is None:
            name = self.name if self.name not in graph._ops_by_name else None
            name = self.name + "/" if name else self.name
            controls = self._controls
        else:
            name, controls = f"{self.name}/{suffix}", ()
        return graph.create_op(op_type, list(inputs), attrs, name=name, control_inputs=controls)


_NOT_CONSTANT = ("Placeholder", "PlaceholderWithDefault", "VariableV2", "Arg")
_MAX_FOLD_OPS = 64


def fold_constant(tensor):
    """The value of ``tensor`` when it depends on constants only (TF1's Python API often
    computes an axis or a permutation with a few ops on constants), else None. It is
    computed by tensorflux's own kernels on the ops already imported."""
    from tensorflux.ops.shape_fns import constant_value
    value = constant_value(tensor)
    if value is not None:
        return value
    seen, stack = set(), [tensor.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if len(seen) > _MAX_FOLD_OPS or op._context is not None or op.type in _NOT_CONSTANT \
                or op._opdef.stateful:
            return None
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    from tensorflux.core.session import Session
    with Session(graph=tensor.graph) as sess:
        return sess.run(tensor)


# --- frames (v1 while loops) ---------------------------------------------------------------------
class Frame:
    def __init__(self, name, parent):
        self.name, self.parent = name, parent

    def __repr__(self):
        return f"<frame {self.name}>"


class _Env:
    """The tensors imported so far in one frame being traced (or the graph itself), or in
    one side of a v1 cond being traced (``branches``: the (predicate, side) pairs it is
    inside; ``parent``: where the tensors from outside the branch are)."""

    def __init__(self, frame, branches=frozenset(), parent=None):
        self.frame, self.branches, self.parent = frame, branches, parent
        self.tensors = {}   # (node name, output index) -> Tensor (None: no such output)
        self.done = set()   # node names imported (or bound) here

    def lookup(self, key):
        env = self
        while env is not None:
            if key in env.tensors:
                return env.tensors[key]
            env = env.parent
        return _MISSING


def _parse_input(ref):
    if ref.startswith("^"):
        return ref[1:], -1
    name, sep, index = ref.rpartition(":")
    if sep and index.isdigit():
        return name, int(index)
    return ref, 0


def _postorder(roots, deps, on_cycle):
    """Names reachable from ``roots`` through ``deps``, each after its dependencies."""
    done, path, out = set(), set(), []
    for root in roots:
        stack = [(root, False)]
        while stack:
            name, expanded = stack.pop()
            if expanded:
                path.discard(name)
                done.add(name)
                out.append(name)
                continue
            if name in done:
                continue
            if name in path:
                on_cycle(name)
            path.add(name)
            stack.append((name, True))
            for dep in deps(name):
                if dep not in done:
                    if dep in path:
                        on_cycle(dep)
                    stack.append((dep, False))
    return out


class GraphImporter:
    def __init__(self, graph, graph_def, prefix="", input_map=None, source="graph_def",
                 skip=(), clear_devices=False, library=None, nodes=None, nested=False):
        self.graph, self.source, self.prefix = graph, source, prefix
        self.clear_devices, self.nested = clear_devices, nested
        self.library = library if library is not None else {
            f.signature.name: f for f in graph_def.library.function}
        self.nodes = {}
        for node in (graph_def.node if nodes is None else nodes):
            if node.name in skip:
                continue
            if not node.name or node.name in self.nodes:
                raise GraphFormatError(f"{source}: {'duplicate' if node.name else 'empty'} "
                                       f"node name {node.name!r}")
            self.nodes[node.name] = node
        self.input_map = {}
        for key, value in (input_map or {}).items():
            name, index = _parse_input(key)
            self.input_map[(name, max(index, 0))] = value
        self.inputs = {n: [_parse_input(r) for r in node.input] for n, node in self.nodes.items()}
        self._validate()
        self.frames = self._assign_frames()
        self.sides = self._assign_cond_sides()

    # --- checks before anything is created -------------------------------------------------------
    def _validate(self):
        unknown = sorted(f"{n}:{i}" for n, i in self.input_map if n not in self.nodes)
        if unknown and not self.nested:
            raise GraphFormatError(f"{self.source}: attempted to map inputs that were not found "
                                   f"in graph_def: {unknown}")
        for name, refs in self.inputs.items():
            for src, index in refs:
                if src not in self.nodes and (src, max(index, 0)) not in self.input_map:
                    raise GraphFormatError(f"{self.source}: node {name!r} has an unknown input "
                                           f"node {src!r}")
        missing = sorted({n.op for n in self.nodes.values()
                          if n.op not in IMPORT and n.op not in LOOP_OPS
                          and not self._is_tensorflux_op(n)})
        if missing:
            count = {t: sum(1 for n in self.nodes.values() if n.op == t) for t in missing}
            listing = ", ".join(f"{t} ({count[t]} node{'s' if count[t] > 1 else ''}, e.g. "
                                f"{next(n.name for n in self.nodes.values() if n.op == t)!r})"
                                for t in missing)
            raise GraphFormatError(f"{self.source}: tensorflux cannot import {len(missing)} "
                                   f"TensorFlow op type(s): {listing}. See docs/interop.md "
                                   f"for the supported ops.")

    def _data_deps(self, name):
        node = self.nodes[name]
        refs = self.inputs[name]
        deps = [s for s, i in refs if i >= 0 and s in self.nodes]
        if node.op in ("Merge", "RefMerge"):
            deps = [s for s in deps if self.nodes[s].op not in ("NextIteration", "RefNextIteration")]
        if not deps:  # a constant inside a loop hangs off the loop by a control edge
            deps = [s for s, i in refs if i < 0 and s in self.nodes][:1]
        return deps

    def _cycle(self, name):
        raise GraphFormatError(f"{self.source}: the graph has a cycle through node {name!r} "
                               f"(only while loops' NextIteration edges may close one)")

    def _assign_frames(self):
        order = _postorder(list(self.nodes), self._all_deps, self._cycle)
        frames, by_name = {}, {}
        for name in order:
            node = self.nodes[name]
            deps = self._data_deps(name)
            outer = frames.get(deps[0]) if deps else None
            if node.op in ("Enter", "RefEnter"):
                key = (node.attr["frame_name"].s, outer)
                if key not in by_name:
                    label = node.attr["frame_name"].s.decode("utf-8", "replace")
                    by_name[key] = Frame(label, outer)
                frames[name] = by_name[key]
            elif node.op in ("Exit", "RefExit"):
                if outer is None:
                    raise GraphFormatError(f"{self.source}: Exit node {name!r} is not inside "
                                           f"a while loop")
                frames[name] = outer.parent
            else:
                frames[name] = outer
        return frames

    def _all_deps(self, name):
        node = self.nodes[name]
        deps = [s for s, _ in self.inputs[name] if s in self.nodes]
        if node.op in ("Merge", "RefMerge"):
            deps = [s for s in deps if self.nodes[s].op not in ("NextIteration", "RefNextIteration")]
        return deps

    # --- v1 conds: which side of which cond each node is on -----------------------------------
    def _is_cond_switch(self, name):
        node = self.nodes[name]
        if node.op not in ("Switch", "RefSwitch") or len(self.inputs[name]) != 2:
            return False
        pred = self.inputs[name][1][0]
        return pred not in self.nodes or self.nodes[pred].op != "LoopCond"

    def _is_cond_merge(self, name):
        return self.nodes[name].op in ("Merge", "RefMerge") and not any(
            s in self.nodes and self.nodes[s].op in ("NextIteration", "RefNextIteration")
            for s, _ in self.inputs[name])

    def cond_pred(self, switch):
        """The predicate of a cond Switch, through the Identities TF1 puts before it."""
        src, index = self.inputs[switch][1]
        while src in self.nodes and self.nodes[src].op == "Identity" and self.inputs[src]:
            src, index = self.inputs[src][0]
        return (src, index)

    def _assign_cond_sides(self):
        """For each node, the set of (predicate, side) pairs of the v1 conds it is inside
        (side 1: the true branch): a Switch's output i adds (its predicate, i); a Merge
        keeps what both its inputs share."""
        order = _postorder(list(self.nodes), self._all_deps, self._cycle)
        sides = {}

        def of_input(src, index):
            base = sides.get(src, frozenset())
            if src in self.nodes and self._is_cond_switch(src) and index >= 0:
                return base | {(self.cond_pred(src), index)}
            return base

        for name in order:
            refs = [(s, i) for s, i in self.inputs[name] if s in self.nodes]
            if self._is_cond_merge(name):
                data = [of_input(s, i) for s, i in refs if i >= 0]
                sides[name] = frozenset.intersection(*data) if data else frozenset()
            elif self.nodes[name].op in ("Merge", "RefMerge"):  # a loop's: what enters it
                sides[name] = of_input(*refs[0]) if refs else frozenset()
            else:
                sides[name] = frozenset().union(*(of_input(s, i) for s, i in refs))
        return sides

    # --- importing ------------------------------------------------------------------------------
    @staticmethod
    def _is_tensorflux_op(node):
        """A node tensorflux wrote for an op TensorFlow lacks (see graph_export)."""
        from tensorflux.core.registry import registry
        return "_tensorflux_op" in node.attr and registry.has_op(node.op)

    def run(self):
        env = _Env(None)
        roots = [n for n in self.nodes if self.frames[n] is None and not self.sides[n]
                 and not self._is_cond_switch(n)]  # a cond's Switches are bound in its branches
        if self.nested:  # a function body, traced inside a cond branch or loop body
            self.resolve(roots, env)
        else:
            with self.graph.as_default(), self.graph.control_dependencies(None), \
                    self.graph.name_scope(None):
                self.resolve(roots, env)
        self.root = env
        return env

    def new_name(self, name):
        return f"{self.prefix}/{name}" if self.prefix else name

    def resolve(self, names, env):
        def deps(name):
            if self.nodes[name].op in ("Exit", "RefExit") or self._is_cond_merge(name):
                return []  # a loop or a cond: built as a whole by _import_node
            out = []
            for src, index in self.inputs[name]:
                if (src, max(index, 0)) in self.input_map or src not in self.nodes:
                    continue
                if self.frames.get(src) is env.frame and src not in env.done \
                        and self.sides[src] <= env.branches \
                        and not (index < 0 and self.nodes[src].op in LOOP_OPS):
                    out.append(src)
            return out

        for name in _postorder([n for n in names if n not in env.done], deps, self._cycle):
            if name not in env.done:
                self._import_node(name, env)
                env.done.add(name)

    def tensor(self, src, index, env, where):
        if (src, index) in self.input_map:
            return self.input_map[(src, index)]
        t = env.lookup((src, index))
        if t is _MISSING or t is None:
            raise GraphFormatError(f"{where}: input {src}:{index} is not available here (an "
                                   f"output it does not have, or a tensor of another loop)")
        return t

    def _import_node(self, name, env):
        node = self.nodes[name]
        where = f"{self.source}: node {name!r} ({node.op})"
        if node.op in ("Exit", "RefExit"):
            self._import_loop(name, env)
            return
        if self._is_cond_merge(name):
            self._import_cond(name, env)
            return
        if node.op in LOOP_OPS:
            raise GraphFormatError(f"{where}: a {node.op} outside the structure of a while loop "
                                   f"or cond")
        if "_tensorflux_gradient" in node.attr:
            kind = "tf.cond" if node.op == "If" else "tf.while_loop"
            raise GraphFormatError(f"{where}: the gradient of a {kind} is re-imported only from "
                                   f"tensorflux's .meta files (tf.train.export_meta_graph); "
                                   f"freeze the inference part to import it from a GraphDef")
        inputs = [self.tensor(s, i, env, where) for s, i in self.inputs[name] if i >= 0]
        controls = []
        for src, index in self.inputs[name]:
            if index < 0 and src in env.done and self.nodes[src].op not in LOOP_OPS:
                op = self.graph._ops_by_name.get(self.new_name(src))
                if op is not None and op._context is self.graph._get_control_flow_context():
                    controls.append(op)
        ctx = NodeContext(self, node, inputs, self.new_name(name), controls)
        device = "" if self.clear_devices else node.device
        convert = _import_generic if self._is_tensorflux_op(node) else IMPORT[node.op]
        try:
            with self.graph.device(device or None):
                outputs = convert(ctx)
        except GraphFormatError:
            raise
        except UnsupportedGraph as exc:
            raise GraphFormatError(str(exc)) from None
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise GraphFormatError(f"{where}: {exc}") from None
        for i, t in enumerate(outputs):
            env.tensors[(name, i)] = t

    # --- functional control flow (If / While with FunctionDefs) ------------------------------------
    def call_function(self, fname, args, where):
        """Import the body of function ``fname`` here (inside the cond branch or loop body
        being traced) with its input args bound to ``args``; returns its outputs."""
        fdef = self.library.get(fname)
        if fdef is None:
            raise GraphFormatError(f"{where}: function {fname!r} is not in the GraphDef's library")
        sig = fdef.signature
        if len(sig.input_arg) != len(args):
            raise GraphFormatError(f"{where}: function {fname!r} takes {len(sig.input_arg)} "
                                   f"arguments, got {len(args)}")
        fwhere = f"{self.source}: function {fname!r}"
        input_map = {f"{a.name}:0": t for a, t in zip(sig.input_arg, args)}
        sub = GraphImporter(self.graph, None, self.prefix, input_map, fwhere,
                            clear_devices=self.clear_devices, library=self.library,
                            nodes=_function_nodes(fdef, fwhere), nested=True)
        sub.run()
        outs = []
        for arg in sig.output_arg:
            ref = fdef.ret.get(arg.name)
            if ref is None:
                raise GraphFormatError(f"{fwhere}: output {arg.name!r} is not returned")
            src, index = _parse_input(_graph_ref(ref, {n.name: n for n in fdef.node_def},
                                                 {a.name for a in sig.input_arg}, fwhere))
            outs.append(sub.tensor(src, index, sub.root, fwhere))
        return outs

    def functional_if(self, ctx):
        from tensorflux.ops.cond import cond
        pred, args = ctx.inputs[0], ctx.inputs[1:]
        branches = [ctx.attr("then_branch"), ctx.attr("else_branch")]
        results = cond(pred, lambda: self.call_function(branches[0], args, ctx.where) or None,
                       lambda: self.call_function(branches[1], args, ctx.where) or None,
                       strict=True, name=ctx.name + "/")
        return list(results or [])

    def functional_while(self, ctx):
        from tensorflux.ops.while_loop import while_loop
        inits = ctx.inputs
        cond_name, body_name = ctx.attr("cond"), ctx.attr("body")
        body_def = self.library.get(body_name)
        if body_def is None or cond_name not in self.library:
            raise GraphFormatError(f"{ctx.where}: cond or body function is missing")
        # Loop variables the body returns unchanged are loop invariants: captured.
        sig = body_def.signature
        fixed = [i < len(sig.output_arg) and i < len(sig.input_arg)
                 and body_def.ret.get(sig.output_arg[i].name) == sig.input_arg[i].name
                 for i in range(len(inits))]
        varying = [i for i, f in enumerate(fixed) if not f]
        if not varying:
            raise GraphFormatError(f"{ctx.where}: the loop has no loop variables")

        def full(args):
            values = list(inits)
            for i, a in zip(varying, args):
                values[i] = a
            return values

        def cond_fn(*args):
            return self.call_function(cond_name, full(args), ctx.where)[0]

        def body_fn(*args):
            outs = self.call_function(body_name, full(args), ctx.where)
            return [outs[i] for i in varying]

        shapes = [TensorShape(None) if inits[i].shape.ndims is None or inits[i].dtype.name == "variant"
                  else TensorShape([None] * inits[i].shape.ndims) for i in varying]
        results = while_loop(cond_fn, body_fn, [inits[i] for i in varying],
                             shape_invariants=shapes, name=ctx.name + "/",
                             parallel_iterations=ctx.attr("parallel_iterations", 10) or 10,
                             return_same_structure=True)
        out = list(inits)
        for i, t in zip(varying, results):
            out[i] = t
        return out

    # --- v1 conds ------------------------------------------------------------------------------
    def _import_cond(self, merge, env):
        """The Merges of one v1 tf.cond (same predicate, same name scope) become one If:
        each side's nodes are traced into its branch, the Switches feeding it bound to
        the tensors they switch."""
        from tensorflux.ops.cond import cond
        where = f"{self.source}: cond of node {merge!r}"
        pred, group = self._cond_group(merge, env, where)
        sides = {1: [], 0: []}
        for m in group:
            refs = [(s, i) for s, i in self.inputs[m] if i >= 0]
            for side in (1, 0):
                hits = [r for r in refs if (pred, side) in self._side_of(*r)]
                if len(hits) != 1:
                    raise GraphFormatError(f"{where}: Merge {m!r} does not join the two sides of "
                                           f"its cond")
                sides[side].append(hits[0])
        outer, switches = set(), set()
        for side in (1, 0):
            self._branch_inputs(sides[side], pred, side, outer, switches)
        self.resolve(sorted(outer | {self.inputs[s][0][0] for s in switches} | {pred[0]}), env)
        pred_tensor = self.tensor(*pred, env, where)

        def branch(side):
            def fn():
                benv = _Env(env.frame, env.branches | {(pred, side)}, parent=env)
                for sw in switches:
                    value = self.tensor(*self.inputs[sw][0], env, where)
                    benv.tensors[(sw, side)] = value
                    benv.tensors[(sw, 1 - side)] = None
                    benv.done.add(sw)
                self.resolve([s for s, _ in sides[side]], benv)
                return [self.tensor(s, i, benv, where) for s, i in sides[side]]
            return fn

        scope = merge.rsplit("/", 1)[0] if "/" in merge else merge
        try:
            outputs = cond(pred_tensor, branch(1), branch(0), strict=True,
                           name=self.new_name(scope) + "/")
        except GraphFormatError:
            raise
        except (TypeError, ValueError) as exc:
            raise GraphFormatError(f"{where}: {exc}") from None
        for m, t in zip(group, outputs):
            name = self.new_name(m)
            exact = name + "/" if name not in self.graph._ops_by_name else name
            env.tensors[(m, 0)] = self.graph.create_op("Identity", [t], name=exact)._outputs[0]
            env.tensors[(m, 1)] = None  # value_index: which side ran (not supported)
            env.done.add(m)

    def _side_of(self, src, index):
        base = self.sides[src]
        if self._is_cond_switch(src):
            return base | {(self.cond_pred(src), index)}
        return base

    def _cond_group(self, merge, env, where):
        """The predicate of ``merge``'s cond and every Merge of that cond."""
        refs = [(s, i) for s, i in self.inputs[merge] if i >= 0]
        if len(refs) != 2:
            raise GraphFormatError(f"{where}: a cond Merge needs two inputs, it has {len(refs)}")
        a, b = (self._side_of(*r) for r in refs)
        preds = {p for p, side in a ^ b if (p, 1 - side) in (a ^ b)}
        if len(preds) != 1:
            raise GraphFormatError(f"{where}: cannot tell which Switch the Merge joins")
        pred = preds.pop()
        scope = merge.rsplit("/", 1)[0] if "/" in merge else ""
        group = [m for m in self.nodes if m not in env.done and self._is_cond_merge(m)
                 and self.frames[m] is env.frame and (m.rsplit("/", 1)[0] if "/" in m else "") == scope
                 and self.sides[m] == self.sides[merge] and self._merge_pred(m) == pred]
        return pred, group

    def _merge_pred(self, merge):
        refs = [(s, i) for s, i in self.inputs[merge] if i >= 0]
        if len(refs) != 2:
            return None
        diff = self._side_of(*refs[0]) ^ self._side_of(*refs[1])
        preds = {p for p, _ in diff}
        return preds.pop() if len(preds) == 1 else None

    def _branch_inputs(self, refs, pred, side, outer, switches):
        """Walk back from ``refs`` through the nodes on ``side`` of the cond: collect the
        Switches of this cond they read and the outer nodes they need."""
        stack, seen = [s for s, _ in refs], set()
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            if self._is_cond_switch(name) and self.cond_pred(name) == pred:
                switches.add(name)
                continue
            if (pred, side) not in self.sides[name]:
                outer.add(name)
                continue
            if self.nodes[name].op in ("Exit", "RefExit"):  # a loop inside the branch
                frame = self.frames[self.inputs[name][0][0]]
                stack.extend(s for n, f in self.frames.items() if f is frame
                             and self.nodes[n].op in ("Enter", "RefEnter")
                             for s, _ in self.inputs[n][:1])
                continue
            stack.extend(s for s, _ in self.inputs[name] if s in self.nodes)

    # --- v1 while loops -------------------------------------------------------------------------
    def _consumers(self, name, index=None, ops=()):
        out = []
        for other, refs in self.inputs.items():
            if self.nodes[other].op in ops and any(
                    s == name and (index is None or i == index) for s, i in refs):
                out.append(other)
        return out

    def _loop_structure(self, frame, where):
        """(loop variables [(enter, merge, switch, next, exit)], invariant enters, the
        LoopCond node) of ``frame``."""
        enters = [n for n, f in self.frames.items()
                  if f is frame and self.nodes[n].op in ("Enter", "RefEnter")]
        loop_vars, invariants, loop_cond = [], [], None
        for enter in enters:
            if self.nodes[enter].attr["is_constant"].b:
                invariants.append(enter)
                continue
            merges = self._consumers(enter, 0, ("Merge", "RefMerge"))
            if len(merges) != 1 or len(self.inputs[merges[0]]) != 2:
                raise GraphFormatError(f"{where}: loop variable {enter!r} does not enter one "
                                       f"two-input Merge")
            merge = merges[0]
            nexts = [s for s, _ in self.inputs[merge]
                     if self.nodes[s].op in ("NextIteration", "RefNextIteration")]
            switches = self._consumers(merge, 0, ("Switch", "RefSwitch"))
            if len(nexts) != 1 or len(switches) != 1:
                raise GraphFormatError(f"{where}: loop variable {enter!r} has no NextIteration "
                                       f"or Switch")
            switch = switches[0]
            cond = self.inputs[switch][1][0]
            if self.nodes[cond].op != "LoopCond" or (loop_cond not in (None, cond)):
                raise GraphFormatError(f"{where}: the Switch {switch!r} is not driven by the "
                                       f"loop's LoopCond")
            loop_cond = cond
            exits = self._consumers(switch, 0, ("Exit", "RefExit"))
            loop_vars.append((enter, merge, switch, nexts[0], exits[0] if exits else None))
        if not loop_vars:
            raise GraphFormatError(f"{where}: the while loop has no loop variables")
        return loop_vars, invariants, loop_cond

    def _import_loop(self, exit_name, env):
        from tensorflux.core import dtypes
        from tensorflux.ops.while_loop import while_loop
        frame = self.frames[self.inputs[exit_name][0][0]]
        where = f"{self.source}: while loop {frame.name!r}"
        building = self.__dict__.setdefault("_building", set())
        if frame in building:
            raise GraphFormatError(f"{where} feeds its own inputs (malformed frame)")
        building.add(frame)
        loop_vars, invariants, loop_cond = self._loop_structure(frame, where)
        outer = [self.inputs[e][0] for e, *_ in loop_vars] + \
            [self.inputs[e][0] for e in invariants]
        self.resolve([s for s, _ in outer if s in self.nodes], env)
        inits = [self.tensor(s, i, env, where) for (s, i) in outer[:len(loop_vars)]]
        bound = {e: self.tensor(*self.inputs[e][0], env, where) for e in invariants}
        shapes = [TensorShape(None) if t.dtype is dtypes.variant or t.shape.ndims is None
                  else TensorShape([None] * t.shape.ndims) for t in inits]
        body_env = _Env(frame, env.branches)
        pred_ref = self.inputs[loop_cond][0]
        next_refs = [self.inputs[n][0] for *_, n, _ in loop_vars]

        def bind(args):
            if body_env.done:
                return
            for enter, t in bound.items():
                body_env.tensors[(enter, 0)] = t
                body_env.done.add(enter)
            for (enter, merge, switch, _, _), arg in zip(loop_vars, args):
                body_env.tensors[(merge, 0)] = arg
                body_env.tensors[(switch, 1)] = arg
                body_env.done.update((enter, merge, switch))

        def cond(*args):
            bind(args)
            self.resolve([pred_ref[0]], body_env)
            return self.tensor(*pred_ref, body_env, where)

        def body(*args):
            bind(args)
            self.resolve([s for s, _ in next_refs], body_env)
            return [self.tensor(s, i, body_env, where) for s, i in next_refs]

        scope = frame.name[:-len("/while_context")] if frame.name.endswith("/while_context") \
            else frame.name
        parallel = self.nodes[loop_vars[0][0]].attr["parallel_iterations"].i or 10
        try:
            results = while_loop(cond, body, inits, shape_invariants=shapes,
                                 parallel_iterations=parallel, name=self.new_name(scope) + "/",
                                 return_same_structure=True)
        except GraphFormatError:
            raise
        except (TypeError, ValueError) as exc:
            raise GraphFormatError(f"{where}: {exc}") from None
        building.discard(frame)
        for (_, _, _, _, exit_node), t in zip(loop_vars, results):
            if exit_node is None:
                continue
            name = self.new_name(exit_node)
            exact = name + "/" if name not in self.graph._ops_by_name else name
            env.tensors[(exit_node, 0)] = self.graph.create_op("Identity", [t], name=exact)._outputs[0]
            env.done.add(exit_node)


def _import_generic(ctx):
    """A tensorflux op written under its own type (``_tensorflux_op``): attrs decoded by
    their AttrValue type (nested tuples from JSON), then created as they were."""
    import json
    attrs = {}
    for key in ctx.node.attr:
        if key.startswith("_"):
            continue
        value = ctx.attr(key)
        if isinstance(value, str) and value.startswith("json:"):
            value = _tuples(json.loads(value[5:]))
        attrs[key] = value
    return ctx.emit(ctx.node.op, ctx.inputs, attrs).outputs


def _tuples(value):
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _function_nodes(fdef, where):
    """The FunctionDef's nodes with TensorFlow's function input syntax ("node:arg:i",
    "arg") rewritten to graph syntax ("node:flat index", "arg:0")."""
    node_defs = {n.name: n for n in fdef.node_def}
    args = {a.name for a in fdef.signature.input_arg}
    out = []
    for node in fdef.node_def:
        copy = type(node)()
        copy.CopyFrom(node)
        del copy.input[:]
        for ref in node.input:
            copy.input.append(_graph_ref(ref, node_defs, args, where))
        out.append(copy)
    return out


def _graph_ref(ref, node_defs, args, where):
    """One function input reference in graph syntax (see _function_nodes)."""
    control = ref.startswith("^")
    body = ref[1:] if control else ref
    parts = body.split(":")
    if control or len(parts) == 1:
        return ref if control or body not in args else f"{body}:0"
    if len(parts) == 2:  # "arg:0" style already flat
        return body
    name, arg, index = parts[0], parts[1], parts[2]
    node = node_defs.get(name)
    if node is None or not index.isdigit():
        raise GraphFormatError(f"{where}: input {ref!r} names no node of the function")
    attrs = {}
    for key in node.attr:
        value = node.attr[key]
        if value.WhichOneof("value") == "i":
            attrs[key] = value.i
        elif value.WhichOneof("value") == "list":
            attrs[key] = tuple(value.list.type) or tuple(value.list.i)
    from tensorflux.interop.tf_signatures import SIGNATURES
    sig = SIGNATURES.get(node.op)
    flat = 0
    if sig is not None:
        for out in sig["outputs"]:
            if out["name"] == arg:
                break
            flat += int(attrs.get(out.get("number_attr"), 1)) if "number_attr" in out else \
                len(attrs.get(out.get("type_list_attr"), ())) if "type_list_attr" in out else 1
    return f"{name}:{flat + int(index)}"


def import_tf_graph_def(graph, graph_def, prefix="", input_map=None, source="graph_def",
                        skip=(), clear_devices=False):
    """Create the nodes of a TensorFlow GraphDef in ``graph``; returns the importer, whose
    ``root.tensors`` maps (node name, output index) to the new tensors."""
    importer = GraphImporter(graph, graph_def, prefix, input_map, source, skip, clear_devices)
    try:
        importer.run()
    except RecursionError:
        raise GraphFormatError(f"{source}: the graph nests too deeply to import") from None
    return importer


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     source="graph_def"):
    """``tf.import_graph_def`` for a TensorFlow GraphDef proto."""
    from tensorflux.core.graph import get_default_graph
    graph = get_default_graph()
    prefix = "import" if name is None else name
    if prefix:
        prefix = graph.unique_name(prefix)
    importer = import_tf_graph_def(graph, graph_def, prefix, input_map, source)
    if return_elements is None:
        return None
    out = []
    for element in return_elements:
        op_name, index = _parse_input(element)
        if ":" in element:
            t = importer.root.tensors.get((op_name, index))
            if t is None:
                raise ValueError(f"Requested return_element {element!r} not found in graph_def.")
            out.append(t)
        else:
            op = graph._ops_by_name.get(importer.new_name(op_name))
            if op is None:
                raise ValueError(f"Requested return_element {element!r} not found in graph_def.")
            out.append(op)
    return out


__all__ = ["import_graph_def", "read_graph_def", "import_tf_graph_def", "IGNORED_ATTRS"]
