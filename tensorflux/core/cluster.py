"""TF1's cluster runtime names (``tf.train.ClusterSpec``, ``tf.train.Server``,
``tf.train.replica_device_setter``, ``/job:ps`` devices, ``grpc://`` session targets).

tensorflux does not reimplement parameter servers on sockets of its own: it scales out
with data-parallel training over MPI (``tensorflux.contrib.mpi``, Horovod's API). These
names exist so that a TF1 cluster program fails at once with ``UnimplementedError``
saying what to use instead, not with an AttributeError or a silent local run.
"""
from __future__ import annotations

import re

from tensorflux.core import errors

DOCS_PAGE = "docs/distributed.md ('Distributed training' in the documentation)"


def unsupported(what: str, op=None) -> errors.UnimplementedError:
    return errors.UnimplementedError(
        None, op,
        f"{what}: TF1's parameter-server runtime (ClusterSpec, Server, /job:ps devices, "
        f"grpc:// session targets) is not implemented in tensorflux. Scale out with "
        f"data-parallel training over MPI instead: `import tensorflux.contrib.mpi as hvd` "
        f"(Horovod's API: hvd.init(), hvd.DistributedOptimizer, "
        f"hvd.BroadcastGlobalVariablesHook), launched with `mpiexec -n 4 python train.py` "
        f"after `pip install 'tensorflux[mpi]'`; see {DOCS_PAGE}.")


class ClusterSpec:
    """``tf.train.ClusterSpec``: raises ``UnimplementedError`` pointing to the MPI path."""

    def __init__(self, cluster=None):
        raise unsupported("tf.train.ClusterSpec")


class Server:
    """``tf.train.Server``: raises ``UnimplementedError`` pointing to the MPI path."""

    def __init__(self, server_or_cluster_def=None, job_name=None, task_index=None,
                 protocol=None, config=None, start=True):
        raise unsupported("tf.train.Server")


def replica_device_setter(*args, **kwargs):
    """``tf.train.replica_device_setter``: raises ``UnimplementedError`` (see above)."""
    raise unsupported("tf.train.replica_device_setter")


_REMOTE_JOB = re.compile(r"/job:(?!localhost(?:/|$))")


def check_target(target):
    """A Session's ``target`` must be empty (in-process): a ``grpc://`` master is the
    cluster runtime."""
    if target:
        raise unsupported(f"tf.Session(target={target!r})")


def check_device(op):
    """An op placed on a job other than ``localhost`` (``/job:ps``, ``/job:worker``)
    needs the cluster runtime."""
    if _REMOTE_JOB.search(op.device or ""):
        raise unsupported(f"Op {op.name!r} ({op.type}) is placed on {op.device!r}", op)
