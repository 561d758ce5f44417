"""``tf.estimator.Estimator``: train / evaluate / predict a model_fn, keeping all state
(checkpoints and TensorBoard summaries) in ``model_dir`` and resuming from it."""
from __future__ import annotations

import inspect
import logging
import os
import tempfile
import time
from typing import NamedTuple

import numpy as np

from tensorflux.core.graph import Graph
from tensorflux.core.session import Session
from tensorflux.estimator.inputs import FEEDERS

logger = logging.getLogger("tensorflux")


class ModeKeys:
    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


class EstimatorSpec(NamedTuple):
    """What a model_fn returns for a mode."""

    mode: str
    predictions: object = None
    loss: object = None
    train_op: object = None
    eval_metric_ops: object = None
    export_outputs: object = None
    training_chief_hooks: object = None
    training_hooks: object = None
    scaffold: object = None
    evaluation_hooks: object = None
    prediction_hooks: object = None


class SessionRunHook:
    """Called around each ``sess.run`` of an estimator loop (TF1's tf.train.SessionRunHook)."""

    def begin(self):
        """The graph is built; the hook may still add ops."""

    def after_create_session(self, session, coord):
        """The session exists and the variables are initialized or restored."""

    def before_run(self, run_context):
        """Return SessionRunArgs(fetches, feed_dict) to add to the next run, or None."""
        return None

    def after_run(self, run_context, run_values):
        """``run_values.results`` holds what before_run asked for."""

    def end(self, session):
        """The loop is over."""


class SessionRunArgs(NamedTuple):
    fetches: object = None
    feed_dict: object = None
    options: object = None


class SessionRunValues(NamedTuple):
    results: object = None
    options: object = None
    run_metadata: object = None


class SessionRunContext:
    """What hooks see of a run: the session, and a way to stop the loop."""

    def __init__(self, original_args, session):
        self.original_args = original_args
        self.session = session
        self._stop = False

    def request_stop(self):
        self._stop = True

    @property
    def stop_requested(self):
        return self._stop


class _Hooks:
    """Runs ``fetches`` together with whatever the hooks ask for."""

    def __init__(self, hooks, graph):
        self.hooks = list(hooks or [])
        for hook in self.hooks:
            if not isinstance(hook, SessionRunHook):
                raise TypeError(f"Hooks must be SessionRunHook instances, got {hook!r}")
        with graph.as_default():
            for hook in self.hooks:
                hook.begin()
        self.stop = False

    def created(self, sess):
        for hook in self.hooks:
            hook.after_create_session(sess, None)

    def run(self, sess, fetches, feed):
        if not self.hooks:
            return sess.run(fetches, feed)
        ctx = SessionRunContext(SessionRunArgs(fetches, feed), sess)
        requests = [hook.before_run(ctx) or SessionRunArgs() for hook in self.hooks]
        merged = dict(feed or {})
        for r in requests:
            merged.update(r.feed_dict or {})
        extra_fetches = [[] if r.fetches is None else r.fetches for r in requests]
        results, extra = sess.run((fetches, extra_fetches), merged or None)
        for hook, r, values in zip(self.hooks, requests, extra):
            hook.after_run(ctx, SessionRunValues(results=None if r.fetches is None else values))
        self.stop = self.stop or ctx.stop_requested
        return results

    def end(self, sess):
        for hook in self.hooks:
            hook.end(sess)


class RunConfig:
    """Where and how often the estimator saves and logs."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=None, save_checkpoints_secs=600, session_config=None,
                 keep_checkpoint_max=5, keep_checkpoint_every_n_hours=10000,
                 log_step_count_steps=100, progress_bar=True, **kwargs):
        self.model_dir = model_dir
        self.tf_random_seed = tf_random_seed
        self.save_summary_steps = save_summary_steps
        self.save_checkpoints_steps = save_checkpoints_steps
        self.save_checkpoints_secs = save_checkpoints_secs
        self.session_config = session_config
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self.log_step_count_steps = log_step_count_steps
        self.progress_bar = progress_bar

    def replace(self, **kwargs):
        new = RunConfig(**self.__dict__)
        new.__dict__.update(kwargs)
        return new


class Estimator:
    """Trains, evaluates and predicts with ``model_fn(features, labels, mode, params, config)``."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise TypeError(f"model_fn must be callable, got {model_fn!r}")
        self._model_fn = model_fn
        self._config = config or RunConfig()
        model_dir = model_dir or self._config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp(prefix="tensorflux_model_")
            logger.info("Using temporary folder as model directory: %s", model_dir)
        self._model_dir = model_dir
        self._config = self._config.replace(model_dir=model_dir)
        self._params = dict(params or {})

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: self._config)
    params = property(lambda self: dict(self._params))

    # --- building -----------------------------------------------------------------------
    def _call_model_fn(self, features, labels, mode):
        sig = inspect.signature(self._model_fn).parameters
        kwargs = {}
        if "labels" in sig:
            kwargs["labels"] = labels
        if "mode" in sig:
            kwargs["mode"] = mode
        if "params" in sig:
            kwargs["params"] = self._params
        if "config" in sig:
            kwargs["config"] = self._config
        spec = self._model_fn(features, **kwargs)
        if not isinstance(spec, EstimatorSpec):
            raise TypeError(f"model_fn must return an EstimatorSpec, got {type(spec).__name__}")
        return spec

    def _build(self, input_fn, mode):
        from tensorflux.ops.optimizers import get_or_create_global_step
        from tensorflux.ops.random_ops import set_random_seed
        graph = Graph()
        with graph.as_default():
            if self._config.tf_random_seed is not None:
                set_random_seed(self._config.tf_random_seed)
            global_step = get_or_create_global_step()
            result = input_fn()
            features, labels = result if isinstance(result, tuple) else (result, None)
            self._check_features(features, mode)
            spec = self._call_model_fn(features, labels, mode)
        feeders = graph.get_collection(FEEDERS)
        return graph, global_step, spec, (feeders[0] if feeders else None)

    def _check_features(self, features, mode):
        """Hook for canned estimators: validate inputs before anything runs."""

    def latest_checkpoint(self):
        from tensorflux.serialization.saver import latest_checkpoint
        return latest_checkpoint(self._model_dir)

    def _start(self, graph, saver, hooks, checkpoint_path=None, require_checkpoint=True):
        """A session on ``graph`` with its variables initialized and restored from
        ``checkpoint_path`` (default: the latest checkpoint in model_dir), and the hooks
        told about it. Returns (session, hook runner)."""
        runner = _Hooks(hooks, graph)
        ckpt = checkpoint_path or self.latest_checkpoint()
        if ckpt is None and require_checkpoint:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")
        sess = Session(graph=graph, config=self._config.session_config)
        with graph.as_default():
            from tensorflux.ops.variables import global_variables_initializer, local_variables_initializer
            sess.run(global_variables_initializer())
            sess.run(local_variables_initializer())
        if ckpt is not None:
            saver.restore(sess, ckpt)
        runner.created(sess)
        return sess, runner

    # --- train ----------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Train for ``steps`` more steps (or up to global step ``max_steps``, or until the
        input runs out); resumes from the latest checkpoint in model_dir."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0:
            raise ValueError(f"Must specify steps > 0, given: {steps}")
        if max_steps is not None and max_steps <= 0:
            raise ValueError(f"Must specify max_steps > 0, given: {max_steps}")
        from tensorflux.ops.summary_ops import scalar
        from tensorflux.serialization.saver import Saver
        from tensorflux.serialization.summary_writer import FileWriter
        graph, global_step, spec, feeder = self._build(input_fn, ModeKeys.TRAIN)
        if spec.train_op is None or spec.loss is None:
            raise ValueError("model_fn must return train_op and loss in TRAIN mode")
        with graph.as_default():
            loss_summary = scalar("loss", spec.loss)
            saver = Saver(max_to_keep=self._config.keep_checkpoint_max,
                          keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours)
        sess, runner = self._start(graph, saver, list(hooks or []) + list(spec.training_hooks or []),
                                   require_checkpoint=False)
        start_step = int(sess.run(global_step))
        if max_steps is not None and start_step >= max_steps:
            logger.info("Skipping training since max_steps has already saved.")
            sess.close()
            return self
        target = max_steps if max_steps is not None else (start_step + steps if steps else None)
        writer = FileWriter(self._model_dir, graph if start_step == 0 else None)
        ckpt_path = os.path.join(self._model_dir, "model.ckpt")
        cfg = self._config
        bar = _progress(target - start_step if target else None, cfg.progress_bar)
        step, loss_value, last_log, last_log_step = start_step, None, time.time(), start_step
        last_save = time.time()
        fetches = [spec.train_op, spec.loss]
        try:
            for feed in _feeds(feeder):
                if target is not None and step >= target:
                    break
                if cfg.save_summary_steps and step % cfg.save_summary_steps == 0:
                    _, loss_value, summary = runner.run(sess, fetches + [loss_summary], feed)
                    writer.add_summary(summary, step)
                else:
                    _, loss_value = runner.run(sess, fetches, feed)
                step += 1  # the train op has just incremented the global step
                if not np.isfinite(loss_value):
                    raise RuntimeError(f"Model diverged with loss = NaN or Inf at step {step}.")
                bar.update(1)
                if cfg.log_step_count_steps and step % cfg.log_step_count_steps == 0:
                    now = time.time()
                    rate = (step - last_log_step) / max(now - last_log, 1e-9)
                    logger.info("loss = %s, step = %s (%.1f steps/sec)", loss_value, step, rate)
                    writer.add_summary(_scalar_summary("global_step/sec", rate), step)
                    bar.set_postfix(loss=f"{loss_value:.4f}")
                    last_log, last_log_step = now, step
                due_steps = cfg.save_checkpoints_steps and step % cfg.save_checkpoints_steps == 0
                due_secs = cfg.save_checkpoints_secs and time.time() - last_save >= cfg.save_checkpoints_secs
                if due_steps or due_secs:
                    saver.save(sess, ckpt_path, global_step=step)
                    last_save = time.time()
                if runner.stop:
                    break
            saver.save(sess, ckpt_path, global_step=step)
            logger.info("Loss for final step: %s.", loss_value)
            runner.end(sess)
        finally:
            bar.close()
            writer.close()
            sess.close()
        return self

    # --- evaluate -----------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Run the metrics over the input (or ``steps`` batches) with the latest checkpoint;
        returns a dict with ``loss``, each metric and ``global_step``."""
        from tensorflux.ops.metrics import mean
        from tensorflux.serialization.saver import Saver
        graph, global_step, spec, feeder = self._build(input_fn, ModeKeys.EVAL)
        with graph.as_default():
            metrics = dict(spec.eval_metric_ops or {})
            if spec.loss is not None:
                metrics["loss"] = mean(spec.loss)
            saver = Saver()
        sess, runner = self._start(graph, saver, list(hooks or []) + list(spec.evaluation_hooks or []),
                                   checkpoint_path)
        updates = {k: v[1] for k, v in metrics.items()}
        values = {k: v[0] for k, v in metrics.items()}
        done = 0
        try:
            for feed in _feeds(feeder, once=steps is None):
                if steps is not None and done >= steps:
                    break
                runner.run(sess, updates, feed)
                done += 1
                if runner.stop:
                    break
            results = {k: float(v) for k, v in sess.run(values).items()}
            results["global_step"] = int(sess.run(global_step))
            runner.end(sess)
        finally:
            sess.close()
        logger.info("Saving dict for global step %s: %s", results["global_step"],
                    ", ".join(f"{k} = {v}" for k, v in sorted(results.items())))
        return results

    # --- predict --------------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """Yield one dict of predictions per example (or per batch)."""
        from tensorflux.serialization.saver import Saver
        graph, _, spec, feeder = self._build(input_fn, ModeKeys.PREDICT)
        predictions = spec.predictions
        if not isinstance(predictions, dict):
            predictions = {"predictions": predictions}
        if predict_keys is not None:
            missing = set(predict_keys) - set(predictions)
            if missing:
                raise ValueError(f"Expected to find {sorted(missing)} in predictions {sorted(predictions)}")
            predictions = {k: predictions[k] for k in predict_keys}
        with graph.as_default():
            saver = Saver()
        sess, runner = self._start(graph, saver, list(hooks or []) + list(spec.prediction_hooks or []),
                                   checkpoint_path)
        try:
            for feed in _feeds(feeder, once=True):
                batch = runner.run(sess, predictions, feed)
                if yield_single_examples:
                    n = len(next(iter(batch.values())))
                    for i in range(n):
                        yield {k: v[i] for k, v in batch.items()}
                else:
                    yield batch
                if runner.stop:
                    break
            runner.end(sess)
        finally:
            sess.close()

    # --- variables ----------------------------------------------------------------------------
    def get_variable_names(self):
        from tensorflux.serialization.saver import list_variables
        return [name for name, _ in list_variables(self._model_dir)]

    def get_variable_value(self, name):
        from tensorflux.serialization.saver import load_variable
        return load_variable(self._model_dir, name)


def _feeds(feeder, once=False):
    """The feed_dicts of a numpy_input_fn until its epochs run out. Without a feeder
    (an input_fn of constant tensors) there is nothing to feed: None forever, or once."""
    if feeder is None:
        yield None
        while not once:
            yield None
        return
    while True:
        try:
            yield feeder.next_feed()
        except StopIteration:
            return


def _scalar_summary(tag, value):
    from tensorboard.compat.proto import summary_pb2
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])


class _NoBar:
    def update(self, n):
        pass

    def set_postfix(self, **kw):
        pass

    def close(self):
        pass


def _progress(total, enabled):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, unit="step", leave=False)


