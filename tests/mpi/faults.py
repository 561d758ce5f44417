"""Under mpiexec: train the seed's network with Momentum, rank 0 saving a checkpoint
every few steps, resuming from the latest checkpoint in OUT when there is one; with
--fail, rank 1 raises, is killed (SIGKILL) or hangs at --at-step. Rank 0 prints the
step it resumed from and, at the end, saves its variables to OUT/final.npz. With
--catch, rank 0 catches the error of a failed step, prints it, tries one more step and
exits normally (the runtime must still end the job).
"""
import argparse
import os
import signal
import sys
import time

import numpy as np

import mlp
import tensorflux as tf
import tensorflux.contrib.mpi as hvd

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--fail", choices=["raise", "kill", "hang"])
parser.add_argument("--at-step", type=int, default=12)
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--save-every", type=int, default=5)
parser.add_argument("--timeout", type=float, default=60)
parser.add_argument("--catch", action="store_true")
args = parser.parse_args()

hvd.init()
rank, size = hvd.rank(), hvd.size()
global_batch = 30
images, labels = mlp.data(args.steps * global_batch)
X, y, loss, train_op = mlp.build("momentum", seed=rank, wrap=hvd.DistributedOptimizer)
global_step = tf.train.get_global_step()
saver = tf.train.Saver()
bcast = hvd.broadcast_global_variables(0)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    latest = tf.train.latest_checkpoint(args.out)
    if rank == 0 and latest:
        saver.restore(sess, latest)
    sess.run(bcast)  # rank 0's weights (restored or fresh) and global step everywhere
    # The --timeout deadline applies from here, once both ranks are in step: a rank slow to
    # start on a loaded machine must not look like a hang.
    hvd.init(timeout=args.timeout)
    step = int(sess.run(global_step))
    if rank == 0:
        print(f"starting at step {step}", flush=True)
    while step < args.steps:
        if rank == 1 and step == args.at_step:
            if args.fail == "raise":
                raise RuntimeError(f"injected fault on rank 1 at step {step}")
            if args.fail == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if args.fail == "hang":
                time.sleep(3600)
        rows = slice(step * global_batch + rank, (step + 1) * global_batch, size)
        feed = {X: images[rows], y: labels[rows]}
        try:
            sess.run(train_op, feed)
        except tf.errors.OpError as exc:
            if not args.catch:
                raise
            print(f"caught {type(exc).__name__}: {exc}", flush=True)
            try:
                sess.run(train_op, feed)
            except tf.errors.OpError as again:
                print(f"then {type(again).__name__}: {again}", flush=True)
            sys.exit(0)
        step += 1
        if rank == 0 and step % args.save_every == 0:
            saver.save(sess, os.path.join(args.out, "model.ckpt"), global_step=step)
    if rank == 0:
        np.savez(os.path.join(args.out, "final.npz"),
                 **{v.op.name: sess.run(v) for v in tf.global_variables()})
        print(f"finished at step {step}", flush=True)
