"""Data-parallel training over MPI with Horovod's TF1 API::

    import tensorflux as tf
    import tensorflux.contrib.mpi as hvd

    hvd.init()
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(0.001 * hvd.size()))
    train_op = opt.minimize(loss)
    hooks = [hvd.BroadcastGlobalVariablesHook(0)]

launched with ``mpiexec -n 4 python train.py``. Needs the ``mpi`` extra
(``pip install 'tensorflux[mpi]'``: mpi4py and the mpich wheel); importing this module
does not import mpi4py, ``init()`` does. See docs/distributed.md.
"""
from tensorflux.contrib.mpi.runtime import (init, local_rank, local_size,  # noqa: F401
                                            mpi_threads_supported, rank, shutdown, size)
from tensorflux.contrib.mpi.training import (BroadcastGlobalVariablesHook,  # noqa: F401
                                             Compression, DistributedOptimizer,
                                             broadcast_global_variables, broadcast_variables)
from tensorflux.ops.mpi_ops import allgather, allreduce, broadcast  # noqa: F401
