"""Under mpiexec: train the seed's MNIST network with DistributedOptimizer for each
optimizer and save every rank's final variables to OUT/<optimizer>-rank<r>.npz.

Every rank starts from different random weights (seed = rank); the
BroadcastGlobalVariablesHook, used with a plain Session, gives them rank 0's.
"""
import argparse
import os

import numpy as np

import mlp
import tensorflux.contrib.mpi as hvd

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--steps", type=int, default=100)
parser.add_argument("--global-batch", type=int, default=60)
parser.add_argument("--fusion-threshold", type=int, default=None)
args = parser.parse_args()

hvd.init()
for name in mlp.OPTIMIZERS:
    params = mlp.train(name, args.steps, args.global_batch, hvd.rank(), hvd.size(), seed=hvd.rank(),
                       wrap=lambda opt: hvd.DistributedOptimizer(opt, fusion_threshold=args.fusion_threshold),
                       hook=hvd.BroadcastGlobalVariablesHook(0))
    np.savez(os.path.join(args.out, f"{name}-rank{hvd.rank()}.npz"), **params)
