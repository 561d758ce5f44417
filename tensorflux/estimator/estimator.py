"""``tf.estimator.Estimator``: train / evaluate / predict a model_fn, keeping all state
(checkpoints and TensorBoard summaries) in ``model_dir`` and resuming from it.

The loops run in tf.train's MonitoredTrainingSession / MonitoredSession with the
standard hooks (StopAtStepHook, NanTensorHook, LoggingTensorHook, CheckpointSaverHook,
FinalOpsHook), as TF1's estimator does; a numpy_input_fn's batches are fed by a hook
that ends the input with OutOfRangeError. An input_fn may also return a tf.data Dataset
of (features, labels): it is read through an initializable iterator started when the
session is created, and its end (OutOfRangeError) ends the loop, as in TF1."""
from __future__ import annotations

import inspect
import logging
import tempfile
from typing import NamedTuple

from tensorflux.core import errors
from tensorflux.core.graph import Graph, GraphKeys
from tensorflux.estimator.inputs import FEEDERS
from tensorflux.training import basic_session_run_hooks as basic_hooks
from tensorflux.training.monitored_session import (ChiefSessionCreator, MonitoredSession,
                                                   MonitoredTrainingSession, Scaffold)
from tensorflux.training.session_run_hook import (SessionRunArgs, SessionRunContext,  # noqa: F401
                                                  SessionRunHook, SessionRunValues)

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
            input_hooks = []
            if hasattr(result, "make_initializable_iterator"):  # a tf.data Dataset
                iterator = result.make_initializable_iterator()
                input_hooks.append(_DatasetInitializerHook(iterator))
                result = iterator.get_next()
            if isinstance(result, (tuple, list)) and len(result) != 2:
                raise ValueError(f"input_fn should return (features, labels) as a len 2 tuple, "
                                 f"got {len(result)} values")
            features, labels = result if isinstance(result, (tuple, list)) else (result, None)
            self._check_features(features, mode)
            spec = self._call_model_fn(features, labels, mode)
        input_hooks += [_FeederHook(f) for f in graph.get_collection(FEEDERS)[:1]]
        return graph, global_step, spec, input_hooks

    def _check_features(self, features, mode):
        """Hook for canned estimators: validate inputs before anything runs."""

    def latest_checkpoint(self):
        from tensorflux.serialization.saver import latest_checkpoint
        return latest_checkpoint(self._model_dir)

    def _checkpoint(self, checkpoint_path):
        path = checkpoint_path or self.latest_checkpoint()
        if path is None:
            raise ValueError(f"Could not find trained model in model_dir: {self._model_dir}.")
        return path

    def _session_creator(self, graph, checkpoint_path):
        """A creator restoring ``checkpoint_path`` with a Saver of ``graph``."""
        from tensorflux.serialization.saver import Saver
        with graph.as_default():
            scaffold = Scaffold(saver=Saver())
        return ChiefSessionCreator(scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path,
                                   config=self._config.session_config)

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
        if max_steps is not None and self._saved_global_step() >= max_steps:
            logger.info("Skipping training since max_steps has already saved.")
            return self
        from tensorflux.ops.array_ops import identity
        from tensorflux.ops.summary_ops import scalar
        from tensorflux.serialization.saver import Saver
        graph, global_step, spec, input_hooks = self._build(input_fn, ModeKeys.TRAIN)
        if spec.train_op is None or spec.loss is None:
            raise ValueError("model_fn must return train_op and loss in TRAIN mode")
        cfg = self._config
        with graph.as_default():
            scalar("loss", spec.loss)
            with graph.control_dependencies([spec.train_op]):
                step_after = identity(global_step)  # what TF1 logs: the step just completed
            if not graph.get_collection(GraphKeys.SAVERS):
                graph.add_to_collection(GraphKeys.SAVERS, Saver(
                    max_to_keep=cfg.keep_checkpoint_max,
                    keep_checkpoint_every_n_hours=cfg.keep_checkpoint_every_n_hours))
            scaffold = Scaffold(copy_from_scaffold=spec.scaffold) if spec.scaffold else Scaffold()
            bar = _progress(steps or (max_steps - self._saved_global_step() if max_steps else None),
                            cfg.progress_bar)
            all_hooks = input_hooks + list(hooks or []) + list(spec.training_hooks or [])
            if steps is not None or max_steps is not None:
                all_hooks.append(basic_hooks.StopAtStepHook(num_steps=steps, last_step=max_steps))
            all_hooks.append(basic_hooks.NanTensorHook(spec.loss))
            if cfg.log_step_count_steps:
                all_hooks.append(basic_hooks.LoggingTensorHook(
                    {"loss": spec.loss, "step": step_after}, every_n_iter=cfg.log_step_count_steps))
            all_hooks.append(_ProgressHook(bar, spec.loss, cfg.log_step_count_steps))
            chief_hooks = list(spec.training_chief_hooks or [])
            if cfg.save_checkpoints_secs or cfg.save_checkpoints_steps:
                chief_hooks.append(basic_hooks.CheckpointSaverHook(
                    self._model_dir, save_secs=cfg.save_checkpoints_secs,
                    save_steps=cfg.save_checkpoints_steps, scaffold=scaffold,
                    listeners=saving_listeners))
            loss = None
            try:
                with MonitoredTrainingSession(
                        checkpoint_dir=self._model_dir, scaffold=scaffold, hooks=all_hooks,
                        chief_only_hooks=chief_hooks, save_checkpoint_secs=0,
                        save_summaries_steps=cfg.save_summary_steps,
                        config=cfg.session_config,
                        log_step_count_steps=cfg.log_step_count_steps) as session:
                    while not session.should_stop():
                        _, loss = session.run([spec.train_op, spec.loss])
            finally:
                bar.close()
                from tensorflux.serialization.writer_cache import FileWriterCache
                FileWriterCache.get(self._model_dir).flush()
        logger.info("Loss for final step: %s.", loss)
        return self

    def _saved_global_step(self):
        path = self.latest_checkpoint()
        if path is None:
            return 0
        from tensorflux.serialization.saver import load_variable
        return int(load_variable(path, "global_step"))

    # --- evaluate -----------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Run the metrics over the input (or ``steps`` batches) with the latest checkpoint;
        returns a dict with ``loss``, each metric and ``global_step``."""
        from tensorflux.ops.metrics import mean
        graph, global_step, spec, input_hooks = self._build(input_fn, ModeKeys.EVAL)
        checkpoint_path = self._checkpoint(checkpoint_path)
        with graph.as_default():
            metrics = dict(spec.eval_metric_ops or {})
            if spec.loss is not None:
                metrics["loss"] = mean(spec.loss)
            updates = {k: v[1] for k, v in metrics.items()}
            final = basic_hooks.FinalOpsHook({**{k: v[0] for k, v in metrics.items()},
                                              "global_step": global_step})
            if steps is None and not input_hooks:
                steps = 1  # constant input tensors: one pass
            all_hooks = (input_hooks + list(hooks or []) + list(spec.evaluation_hooks or [])
                         + ([_StopAfterNRunsHook(steps)] if steps is not None else []) + [final])
            with MonitoredSession(self._session_creator(graph, checkpoint_path), all_hooks) as session:
                while not session.should_stop():
                    session.run(updates)
        results = {k: float(v) for k, v in final.final_ops_values.items()}
        results["global_step"] = int(results["global_step"])
        logger.info("Saving dict for global step %s: %s", results["global_step"],
                    ", ".join(f"{k} = {v}" for k, v in sorted(results.items())))
        return results

    # --- predict --------------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None,
                yield_single_examples=True):
        """Yield the predictions of each example (or batch): a dict when the model_fn's
        predictions are a dict, else the value itself, as TF1 does."""
        graph, _, spec, input_hooks = self._build(input_fn, ModeKeys.PREDICT)
        checkpoint_path = self._checkpoint(checkpoint_path)
        predictions = spec.predictions
        single = not isinstance(predictions, dict)
        if single:
            predictions = {"predictions": predictions}
        if predict_keys is not None:
            missing = set(predict_keys) - set(predictions)
            if missing:
                raise ValueError(f"Expected to find {sorted(missing)} in predictions {sorted(predictions)}")
            predictions = {k: predictions[k] for k in predict_keys}
        all_hooks = (input_hooks + list(hooks or []) + list(spec.prediction_hooks or [])
                     + ([_StopAfterNRunsHook(1)] if not input_hooks else []))
        with graph.as_default():
            with MonitoredSession(self._session_creator(graph, checkpoint_path), all_hooks) as session:
                while not session.should_stop():
                    batch = session.run(predictions)
                    if yield_single_examples:
                        n = len(next(iter(batch.values())))
                        for i in range(n):
                            yield batch["predictions"][i] if single else {k: v[i] for k, v in batch.items()}
                    else:
                        yield batch["predictions"] if single else batch

    # --- variables ----------------------------------------------------------------------------
    def get_variable_names(self):
        from tensorflux.serialization.saver import list_variables
        return [name for name, _ in list_variables(self._model_dir)]

    def get_variable_value(self, name):
        from tensorflux.serialization.saver import load_variable
        return load_variable(self._model_dir, name)


class _FeederHook(SessionRunHook):
    """Feeds a numpy_input_fn's next batch into every run; OutOfRangeError (the end of
    the input, as TF1's input queues signal it) once its epochs are used up."""

    def __init__(self, feeder):
        self._feeder = feeder

    def before_run(self, run_context):
        try:
            return SessionRunArgs(feed_dict=self._feeder.next_feed())
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "The numpy_input_fn input is exhausted") from None


class _DatasetInitializerHook(SessionRunHook):
    """Starts the input_fn's dataset iterator when the session is created."""

    def __init__(self, iterator):
        self._initializer = iterator.initializer

    def after_create_session(self, session, coord):
        session.run(self._initializer)


class _StopAfterNRunsHook(SessionRunHook):
    """Stops after ``n`` runs (evaluate's ``steps``)."""

    def __init__(self, n):
        self._n, self._done = n, 0

    def after_run(self, run_context, run_values):
        self._done += 1
        if self._done >= self._n:
            run_context.request_stop()


class _ProgressHook(SessionRunHook):
    """Advances the progress bar each step, showing the loss every ``every`` steps."""

    def __init__(self, bar, loss, every):
        self._bar, self._loss, self._every, self._count = bar, loss, every, 0

    def before_run(self, run_context):
        return SessionRunArgs(self._loss)

    def after_run(self, run_context, run_values):
        self._bar.update(1)
        self._count += 1
        if self._every and self._count % self._every == 0:
            self._bar.set_postfix(loss=f"{run_values.results:.4f}")


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


