"""Data-parallel training with Horovod's API: ``DistributedOptimizer`` averages the
gradients of every rank before they are applied, ``broadcast_global_variables`` and
``BroadcastGlobalVariablesHook`` start every rank from the same parameters."""
from __future__ import annotations

from tensorflux.core.graph import GraphKeys, Tensor, get_default_graph, name_scope
from tensorflux.contrib.mpi import runtime
from tensorflux.training.session_run_hook import SessionRunHook
from tensorflux.ops import control_flow_ops, mpi_ops
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.indexed_slices import IndexedSlices
from tensorflux.ops.optimizers import Optimizer


class Compression:
    """How gradients travel: ``none`` as they are, ``fp16`` floating-point values as
    float16 (half the bytes, about three significant digits), as Horovod's."""

    none = "none"
    fp16 = "fp16"


class DistributedOptimizer(Optimizer):
    """Wraps any tensorflux optimizer: ``compute_gradients`` returns the gradients
    averaged over all ranks, ``apply_gradients`` is the wrapped optimizer's.

    Tensor fusion: the dense gradients of a step go into one MPIAllreduce op that packs
    them into one flat buffer per dtype, reduced in as few MPI calls as
    ``fusion_threshold`` bytes per call allow (default: ``HOROVOD_FUSION_THRESHOLD`` or
    64 MiB; 0 sends one call per gradient). Sparse gradients (the IndexedSlices of an
    embedding lookup) are allgathered, values and indices, as Horovod does: the rows of
    every rank, their values divided by the number of ranks (``sparse_as_dense=True``
    densifies them into the allreduce instead). With one rank the gradients are returned
    unchanged, as in Horovod."""

    def __init__(self, optimizer, name=None, use_locking=False, device_dense="",
                 device_sparse="", compression=Compression.none, sparse_as_dense=False,
                 fusion_threshold=None):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"DistributedOptimizer wraps a tensorflux optimizer, got {optimizer!r}")
        super().__init__(use_locking, name or "Distributed" + type(optimizer).__name__)
        self._optimizer = optimizer
        self._sparse_as_dense = bool(sparse_as_dense)
        self._compression = mpi_ops._compression_name(compression)
        self._fusion_threshold = (runtime.fusion_threshold_from_env() if fusion_threshold is None
                                  else int(fusion_threshold))
        if self._fusion_threshold < 0:
            raise ValueError(f"fusion_threshold must be >= 0 bytes, got {fusion_threshold}")

    def compute_gradients(self, *args, **kwargs):
        """The wrapped optimizer's (gradient, variable) pairs, gradients averaged over ranks."""
        pairs = self._optimizer.compute_gradients(*args, **kwargs)
        size = runtime.get("DistributedOptimizer").size
        dense = []
        for i, (g, v) in enumerate(pairs):
            if isinstance(g, IndexedSlices) and self._sparse_as_dense:
                g = convert_to_tensor(g)
                pairs[i] = (g, v)
            if g is None or isinstance(g, IndexedSlices):
                continue
            if not isinstance(g, Tensor):
                raise TypeError(
                    f"DistributedOptimizer averages tensors and IndexedSlices: the gradient "
                    f"of {v.name} is a {type(g).__name__}")
            dense.append(g)
        if size == 1:
            return pairs
        with name_scope(self._name + "_Allreduce"):
            reduced = iter(mpi_ops.allreduce_n(dense, average=True,
                                               fusion_threshold=self._fusion_threshold,
                                               compression=self._compression))
        out = []
        for g, v in pairs:
            if isinstance(g, IndexedSlices):
                with name_scope(self._name + "_Allgather"):
                    values = mpi_ops.allgather(g.values) / float(size)
                    g = IndexedSlices(values, mpi_ops.allgather(g.indices), g.dense_shape)
            elif g is not None:
                g = next(reduced)
            out.append((g, v))
        return out

    def apply_gradients(self, *args, **kwargs):
        return self._optimizer.apply_gradients(*args, **kwargs)

    def get_slot(self, *args, **kwargs):
        return self._optimizer.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._optimizer.get_slot_names(*args, **kwargs)

    def variables(self, *args, **kwargs):
        return self._optimizer.variables(*args, **kwargs)


def broadcast_variables(variables, root_rank, name=None):
    """An op assigning ``root_rank``'s values of ``variables`` to them on every rank, in
    one MPIBroadcast (different variable sets on different ranks are an error naming
    the variables and the ranks)."""
    variables = list(variables)
    with name_scope(name, "MPIBroadcastVariables"):
        values = mpi_ops.broadcast_n([v.value() for v in variables], root_rank,
                                     fusion_threshold=runtime.fusion_threshold_from_env(),
                                     names=[v.op.name for v in variables])
        return control_flow_ops.group(*[v.assign(x) for v, x in zip(variables, values)])


def broadcast_global_variables(root_rank):
    """``hvd.broadcast_global_variables``: broadcast every global variable from
    ``root_rank`` (run it once after initializing or restoring them)."""
    return broadcast_variables(get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES),
                               root_rank, name="broadcast_global_variables")


class BroadcastGlobalVariablesHook(SessionRunHook):
    """Broadcasts the global variables from ``root_rank`` once the session exists (and
    its variables are initialized or restored). A standard SessionRunHook: give it to an
    estimator's ``train(hooks=...)``, or call ``begin()`` before and
    ``after_create_session(sess, None)`` after creating a plain Session."""

    def __init__(self, root_rank, device=""):
        self.root_rank = root_rank
        self.device = device
        self.bcast_op = None

    def begin(self):
        graph = get_default_graph()
        if self.bcast_op is None or self.bcast_op.graph is not graph:
            with graph.device(self.device):
                self.bcast_op = broadcast_global_variables(self.root_rank)

    def after_create_session(self, session, coord):
        session.run(self.bcast_op)
