"""Host kernels of the MPI collectives (``tensorflux.ops.mpi_ops``): each hands its NumPy
inputs to the runtime of ``tensorflux.contrib.mpi``, which imports mpi4py. Registered on
every backend with host inputs and outputs, like the summary kernels: on a GPU the
values are copied to the host and back around the MPI call."""
from __future__ import annotations


def _names(op):
    return list(op.attrs["tensor_names"]) or [t.name for t in op.inputs]


def _runtime(what):
    from tensorflux.contrib.mpi import runtime
    return runtime.get(what)


def _allreduce(op, ctx):
    names, attrs, what = _names(op), op.attrs, f"MPIAllreduce {op.name!r}"

    def run(*arrays):
        return tuple(_runtime(what).allreduce(
            arrays, what, names, average=attrs["average"],
            fusion_threshold=attrs["fusion_threshold"], compression=attrs["compression"]))
    return run


def _allgather(op, ctx):
    name, what = _names(op)[0], f"MPIAllgather {op.name!r}"

    def run(array):
        return _runtime(what).allgather(array, what, name)
    return run


def _broadcast(op, ctx):
    names, attrs, what = _names(op), op.attrs, f"MPIBroadcast {op.name!r}"

    def run(*arrays):
        return tuple(_runtime(what).broadcast(arrays, what, names, attrs["root_rank"],
                                              fusion_threshold=attrs["fusion_threshold"]))
    return run


KERNELS = {"MPIAllreduce": _allreduce, "MPIAllgather": _allgather, "MPIBroadcast": _broadcast}
