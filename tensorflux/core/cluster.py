"""TF1's cluster runtime in a Session: ``/job:ps`` devices and ``grpc://`` targets.

tensorflux does not reimplement parameter servers on sockets of its own: it scales out
with data-parallel training over MPI (``tensorflux.contrib.mpi``, Horovod's API). A TF1
cluster program fails at once with ``UnimplementedError`` saying what to use instead,
not with a silent local run (``tf.train.ClusterSpec``, ``Server`` and
``replica_device_setter`` are left-out names that say the same: see ``unsupported``).
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
