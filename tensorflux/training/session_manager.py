"""``tf.train.SessionManager``: create a session whose model is ready to use, from a
checkpoint if there is one, else by running the init op and init function.

A model is *ready* when ``ready_op`` (a vector of names of uninitialized variables)
reports nothing; it is *ready for local init* when ``ready_for_local_init_op`` reports
nothing, and then ``local_init_op`` runs. MonitoredSession's session creators, and
``tf.train.Supervisor``, create their sessions through it, as in TF1.
"""
from __future__ import annotations

import logging
import time

from tensorflux.core import errors
from tensorflux.core.graph import get_default_graph

logger = logging.getLogger("tensorflux")


def _uninitialized(sess, op):
    """The names ``op`` reports (none when ``op`` is None)."""
    if op is None:
        return []
    names = sess.run(op)
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names.ravel()]


class SessionManager:
    """Creates sessions and makes their model ready; see the module docstring."""

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None,
                 graph=None, recovery_wait_secs=30, local_init_run_options=None,
                 local_init_feed_dict=None):
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError(f"If you pass a ready_for_local_init_op you must also pass a "
                             f"local_init_op, ready_for_local_init_op "
                             f"[{ready_for_local_init_op}]")
        self._graph = graph if graph is not None else get_default_graph()
        self._local_init_op, self._ready_op = local_init_op, ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options = local_init_run_options
        self._local_init_feed_dict = local_init_feed_dict

    def _session(self, master, config):
        from tensorflux.core.session import Session
        return Session(master, graph=self._graph, config=config)

    def _restore_checkpoint(self, master, saver, checkpoint_dir, checkpoint_filename_with_path,
                            wait_for_checkpoint, max_wait_secs, config):
        """(session, whether its variables came from a checkpoint)."""
        from tensorflux.serialization.saver import get_checkpoint_state, latest_checkpoint
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and "
                             "checkpoint_filename_with_path.")
        sess = self._session(master, config)
        if saver is None or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        waited = 0.0
        path = latest_checkpoint(checkpoint_dir)
        while path is None:
            if not wait_for_checkpoint or waited >= max_wait_secs:
                logger.info("No checkpoint found in %s", checkpoint_dir)
                return sess, False
            logger.info("Waiting for checkpoint to be available.")
            time.sleep(self._recovery_wait_secs)
            waited += self._recovery_wait_secs
            path = latest_checkpoint(checkpoint_dir)
        logger.info("Restoring parameters from %s", path)
        saver.restore(sess, path)
        state = get_checkpoint_state(checkpoint_dir)
        if state is not None and hasattr(saver, "recover_last_checkpoints"):
            saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
        return sess, True

    def _try_run_local_init_op(self, sess):
        """(True, None) after running local_init_op, or (False, why) when the model is
        not ready for it."""
        if self._local_init_op is None:
            return True, None
        missing = _uninitialized(sess, self._ready_for_local_init_op)
        if missing:
            return False, f"Variables not initialized: {', '.join(missing)}"
        sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict,
                 options=self._local_init_run_options)
        return True, None

    def _model_ready(self, sess):
        missing = _uninitialized(sess, self._ready_op)
        return (False, f"Variables not initialized: {', '.join(missing)}") if missing else (True, None)

    def prepare_session(self, master, init_op=None, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None, init_feed_dict=None, init_fn=None):
        """A session restored from the latest checkpoint of ``checkpoint_dir`` (or
        ``checkpoint_filename_with_path``), else initialized by ``init_op`` and then
        ``init_fn(sess)``; then local_init_op. RuntimeError if the model is not ready."""
        sess, restored = self._restore_checkpoint(master, saver, checkpoint_dir,
                                                  checkpoint_filename_with_path,
                                                  wait_for_checkpoint, max_wait_secs, config)
        if not restored:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or "
                                   "local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        ok, why = self._try_run_local_init_op(sess)
        if not ok:
            raise RuntimeError(f"Init operations did not make model ready for local_init.  "
                               f"Init op: {_name(init_op)}, init fn: {init_fn}, error: {why}")
        ready, why = self._model_ready(sess)
        if not ready:
            raise RuntimeError(f"Init operations did not make model ready.  Init op: "
                               f"{_name(init_op)}, init fn: {init_fn}, local_init_op: "
                               f"{_name(self._local_init_op)}, error: {why}")
        return sess

    def recover_session(self, master, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None):
        """(session, True) when a checkpoint restored a ready model; (session, False)
        otherwise, for the caller to initialize."""
        sess, restored = self._restore_checkpoint(master, saver, checkpoint_dir,
                                                  checkpoint_filename_with_path,
                                                  wait_for_checkpoint, max_wait_secs, config)
        ok, why = self._try_run_local_init_op(sess)
        if not restored:
            return sess, False
        if not ok:
            logger.info("Restoring model from %s did not make model ready for local init: %s",
                        checkpoint_dir or checkpoint_filename_with_path, why)
            return sess, False
        ready, why = self._model_ready(sess)
        if not ready:
            logger.info("Restoring model from %s did not make model ready: %s",
                        checkpoint_dir or checkpoint_filename_with_path, why)
            return sess, False
        logger.info("Restored model from %s", checkpoint_dir or checkpoint_filename_with_path)
        return sess, True

    def wait_for_session(self, master, config=None, max_wait_secs=float("inf")):
        """A session whose model becomes ready (running local_init_op once it may),
        retrying every ``recovery_wait_secs``; DeadlineExceededError after
        ``max_wait_secs``. (Variable values belong to one session in tensorflux, so only
        a model with nothing to initialize becomes ready this way.)"""
        deadline = time.monotonic() + max_wait_secs
        while True:
            sess = self._session(master, config)
            ok, why = self._try_run_local_init_op(sess)
            if ok:
                ready, why = self._model_ready(sess)
                if ready:
                    return sess
            sess.close()
            left = deadline - time.monotonic()
            if left <= 0:
                raise errors.DeadlineExceededError(
                    None, None, f"Session was not ready after waiting {max_wait_secs} secs.")
            logger.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, "
                        "ready: %s", _name(self._ready_for_local_init_op), why)
            time.sleep(min(self._recovery_wait_secs, left))


def _name(op):
    return getattr(op, "name", op)
