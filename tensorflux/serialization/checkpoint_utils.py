"""The rest of TF1's checkpoint helpers in ``tf.train``: mtimes, removal, readers, the
state proto and waiting for new checkpoints (``load_checkpoint`` lives with the Saver:
it reads TensorFlow's checkpoints too)."""
from __future__ import annotations

import os
import time

from tensorflux.serialization.saver import (CheckpointState, checkpoint_exists,
                                            latest_checkpoint)


def get_checkpoint_mtimes(checkpoint_prefixes):
    """Modification times (seconds since the epoch) of the checkpoints that exist."""
    return [os.stat(p).st_mtime_ns / 1e9 for p in checkpoint_prefixes if checkpoint_exists(p)]


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=2, meta_graph_suffix="meta"):
    """Delete a checkpoint and the graph file saved beside it."""
    for path in (checkpoint_prefix, f"{checkpoint_prefix}.{meta_graph_suffix}"):
        if os.path.exists(path):
            os.remove(path)


def generate_checkpoint_state_proto(save_dir, model_checkpoint_path,
                                    all_model_checkpoint_paths=None,
                                    all_model_checkpoint_timestamps=None,
                                    last_preserved_timestamp=None):
    """A CheckpointState whose list ends with ``model_checkpoint_path`` (added if
    missing); relative paths are made relative to a relative ``save_dir``, as in TF1."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if not os.path.isabs(save_dir):
        if not os.path.isabs(model_checkpoint_path):
            model_checkpoint_path = os.path.relpath(model_checkpoint_path, save_dir)
        paths = [p if os.path.isabs(p) else os.path.relpath(p, save_dir) for p in paths]
    return CheckpointState(model_checkpoint_path, paths)


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yield each new checkpoint of ``checkpoint_dir`` as it appears (polling once a
    second); stop after ``timeout`` seconds without one unless ``timeout_fn()`` says to
    go on."""
    last = None
    while True:
        path = _wait_for_new_checkpoint(checkpoint_dir, last, timeout)
        if path is None:
            if timeout_fn is None or timeout_fn():
                return
            continue
        start = time.time()
        last = path
        yield path
        remaining = start + min_interval_secs - time.time()
        if remaining > 0:
            time.sleep(remaining)


def _wait_for_new_checkpoint(checkpoint_dir, last, timeout, seconds_to_sleep=1):
    stop = None if timeout is None else time.time() + timeout
    while True:
        path = latest_checkpoint(checkpoint_dir)
        if path is not None and path != last:
            return path
        if stop is not None and time.time() + seconds_to_sleep > stop:
            return None
        time.sleep(seconds_to_sleep)


def summary_iterator(path):
    """The Event protos of an event file, in order (checking every record's CRCs)."""
    from tensorboard.compat.proto import event_pb2
    from tensorflux.serialization.events import read_records
    for record in read_records(path):
        yield event_pb2.Event.FromString(record)
