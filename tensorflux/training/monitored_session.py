"""The managed training loop: ``tf.train.MonitoredSession`` and friends.

A MonitoredSession creates its session through a session creator (restoring the latest
checkpoint of ``checkpoint_dir`` if there is one, else running the initializers), starts
the graph's queue runners under a Coordinator, and wraps every ``run`` in the hooks'
``before_run`` / ``after_run``. ``should_stop()`` turns True when a hook asks, when the
coordinator stops, or once a run raised OutOfRangeError (the input ran out); used as a
context manager it then ends the hooks, stops the queue runners and closes the session,
swallowing that OutOfRangeError as TF1 does.
"""
from __future__ import annotations

import logging

from tensorflux.core import errors
from tensorflux.core.graph import GraphKeys, get_default_graph
from tensorflux.training.coordinator import Coordinator
from tensorflux.training.queue_runner import start_queue_runners
from tensorflux.training.session_run_hook import SessionRunArgs, SessionRunContext, SessionRunValues

logger = logging.getLogger("tensorflux")
USE_DEFAULT = object()


class Scaffold:
    """The ops a managed session needs, each taken from the argument, else from its graph
    collection, else built by ``finalize()``: init_op, ready_op, ready_for_local_init_op,
    local_init_op, summary_op and saver. ``finalize()`` also finalizes the graph."""

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None,
                 ready_for_local_init_op=None, local_init_op=None, summary_op=None, saver=None,
                 copy_from_scaffold=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")
            pick = lambda mine, theirs: theirs if mine is None else mine  # noqa: E731
            init_op = pick(init_op, copy_from_scaffold.init_op)
            init_feed_dict = pick(init_feed_dict, copy_from_scaffold._init_feed_dict)
            init_fn = pick(init_fn, copy_from_scaffold._user_init_fn)
            ready_op = pick(ready_op, copy_from_scaffold.ready_op)
            ready_for_local_init_op = pick(ready_for_local_init_op, copy_from_scaffold.ready_for_local_init_op)
            local_init_op = pick(local_init_op, copy_from_scaffold.local_init_op)
            summary_op = pick(summary_op, copy_from_scaffold.summary_op)
            saver = pick(saver, copy_from_scaffold.saver)
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op, self._init_feed_dict = init_op, init_feed_dict
        self._ready_op, self._ready_for_local_init_op = ready_op, ready_for_local_init_op
        self._local_init_op, self._summary_op, self._saver = local_init_op, summary_op, saver

    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    init_fn = property(lambda self: self._init_fn)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        """The single op in ``collection_key``, else ``default_constructor()`` (added to it)."""
        graph = get_default_graph()
        elements = graph.get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                raise RuntimeError(f"More than one item in the collection \"{collection_key}\". "
                                   f"Please indicate which one to use by passing it to the "
                                   f"tf.Scaffold constructor as: tf.Scaffold({arg_name}=item to use)")
            return elements[0]
        op = default_constructor()
        if op is not None:
            graph.add_to_collection(collection_key, op)
        return op

    def finalize(self):
        """Create the missing ops, then finalize the graph (no more ops may be added)."""
        from tensorflux.ops import variables
        from tensorflux.ops.control_flow_ops import group
        from tensorflux.ops.summary_ops import merge_all
        graph = get_default_graph()
        if self._init_op is None:
            self._init_op = Scaffold.get_or_default(
                "init_op", GraphKeys.INIT_OP, lambda: variables.global_variables_initializer())
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default(
                "ready_op", GraphKeys.READY_OP, lambda: variables.report_uninitialized_variables())
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op", "ready_for_local_init_op",
                lambda: variables.report_uninitialized_variables(variables.global_variables()))
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", GraphKeys.LOCAL_INIT_OP,
                lambda: group(variables.local_variables_initializer()))
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default("summary_op", GraphKeys.SUMMARY_OP, merge_all)
        if self._saver is None:
            from tensorflux.serialization.saver import Saver
            self._saver = Scaffold.get_or_default("saver", GraphKeys.SAVERS,
                                                  lambda: Saver(allow_empty=True))
        graph.finalize()
        return self


class SessionCreator:
    """Makes the session a MonitoredSession runs."""

    def create_session(self):
        raise NotImplementedError


def _session_manager(scaffold):
    from tensorflux.training.session_manager import SessionManager
    return SessionManager(local_init_op=scaffold.local_init_op, ready_op=scaffold.ready_op,
                          ready_for_local_init_op=scaffold.ready_for_local_init_op,
                          graph=get_default_graph())


class ChiefSessionCreator(SessionCreator):
    """Restores the latest checkpoint of ``checkpoint_dir`` (or the checkpoint
    ``checkpoint_filename_with_path``) or, without one, runs the scaffold's init_op and
    init_fn; then its local_init_op. Raises RuntimeError if variables stay uninitialized."""

    def __init__(self, scaffold=None, master="", config=None, checkpoint_dir=None,
                 checkpoint_filename_with_path=None):
        self._scaffold = scaffold or Scaffold()
        self._master, self._config = master, config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path

    def create_session(self):
        scaffold = self._scaffold.finalize()
        return _session_manager(scaffold).prepare_session(
            self._master, saver=scaffold.saver, checkpoint_dir=self._checkpoint_dir,
            checkpoint_filename_with_path=self._checkpoint_filename_with_path,
            config=self._config, init_op=scaffold.init_op, init_feed_dict=scaffold.init_feed_dict,
            init_fn=scaffold.init_fn)


class WorkerSessionCreator(SessionCreator):
    """For non-chief workers: waits up to ``max_wait_secs`` until the scaffold's ready
    ops report no uninitialized variable, running the local_init_op once the global
    variables are ready, then returns the session (DeadlineExceededError otherwise).
    Variable values belong to one session here (there is no cluster to share them
    through), so in practice a worker is ready only when the graph's ready_op has
    nothing to report, e.g. a graph without global variables."""

    def __init__(self, scaffold=None, master="", config=None, max_wait_secs=30 * 60):
        self._scaffold = scaffold or Scaffold()
        self._master, self._config, self._max_wait_secs = master, config, max_wait_secs

    def create_session(self):
        scaffold = self._scaffold.finalize()
        return _session_manager(scaffold).wait_for_session(self._master, config=self._config,
                                                           max_wait_secs=self._max_wait_secs)


class StepContext:
    """What ``run_step_fn`` passes to its function: the raw session and the hooks."""

    def __init__(self, session, run_with_hooks_fn):
        self._session, self._run_with_hooks_fn = session, run_with_hooks_fn

    session = property(lambda self: self._session)

    def run_with_hooks(self, *args, **kwargs):
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self):
        raise StopIteration("step_fn has requested the iterations to stop.")


def _merge_feeds(user, hook_args):
    feed = dict(user or {})
    owners = {k: "user" for k in feed}
    for hook, args in hook_args:
        for k, v in (args.feed_dict or {}).items():
            if k in feed:
                who = "a SessionRunHook and user" if owners[k] == "user" else "two hooks"
                raise RuntimeError(f"Same tensor is fed by {who}: {getattr(k, 'name', k)}")
            feed[k], owners[k] = v, hook
    return feed


def _merge_options(options, hook_args):
    timeouts = [getattr(a.options, "timeout_in_ms", 0) for _, a in hook_args if a.options is not None]
    if not timeouts:
        return options
    from tensorflux.core.session import RunOptions
    merged = RunOptions(**dict(getattr(options, "__dict__", {})))
    merged.timeout_in_ms = max([merged.timeout_in_ms or 0] + timeouts)
    return merged


class _MonitoredSession:
    """Session creation, hooks, queue runners, recovery; see the module docstring."""

    _RECOVERABLE = (errors.AbortedError, errors.UnavailableError)

    def __init__(self, session_creator, hooks, should_recover, stop_grace_period_secs=120):
        self._graph = get_default_graph()
        self._graph_was_finalized = self._graph.finalized
        self._hooks = list(hooks or [])
        from tensorflux.training.session_run_hook import SessionRunHook
        for hook in self._hooks:
            if not isinstance(hook, SessionRunHook):
                raise TypeError(f"Hooks must be SessionRunHook instances, got {hook!r}")
        for hook in self._hooks:
            hook.begin()
        self._session_creator = session_creator or ChiefSessionCreator()
        self._should_recover = should_recover
        self._stop_grace_period_secs = stop_grace_period_secs
        self._sess = None
        self._create_session()

    graph = property(lambda self: self._graph)

    def _create_session(self):
        self._sess = self._session_creator.create_session()
        self._coord = Coordinator()
        self._threads = start_queue_runners(self._sess, self._coord)
        self._stop_requested = False
        for hook in self._hooks:
            hook.after_create_session(self._sess, self._coord)

    def _tf_sess(self):
        return self._sess

    def should_stop(self):
        return self._sess is None or self._stop_requested or self._coord.should_stop()

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Run ``fetches`` together with what the hooks ask for."""
        while True:
            try:
                return self._run_with_hooks(fetches, feed_dict, options, run_metadata)
            except self._RECOVERABLE as exc:
                if not self._should_recover:
                    raise
                logger.info("An error was raised; recreating the session (%s: %s).",
                            type(exc).__name__, exc)
                self._close_session()
                self._create_session()

    def _run_with_hooks(self, fetches, feed_dict, options, run_metadata):
        if self._sess is None:
            raise RuntimeError("Run called on a closed MonitoredSession")
        context = SessionRunContext(SessionRunArgs(fetches, feed_dict), self._sess)
        hook_args = []
        for hook in self._hooks:
            args = hook.before_run(context)
            if args is not None:
                if not isinstance(args, SessionRunArgs):
                    raise TypeError(f"{type(hook).__name__}.before_run must return SessionRunArgs or None")
                hook_args.append((hook, args))
        all_fetches = {"caller": fetches}
        for i, (_, args) in enumerate(hook_args):
            if args.fetches is not None:
                all_fetches[i] = args.fetches
        feed = _merge_feeds(feed_dict, hook_args)
        try:
            results = self._sess.run(all_fetches, feed_dict=feed or None,
                                     options=_merge_options(options, hook_args),
                                     run_metadata=run_metadata)
        except errors.OutOfRangeError:
            self._stop_requested = True
            raise
        except Exception:
            self._coord.raise_requested_exception()  # a queue runner's error is the cause
            raise
        by_hook = {hook: results.get(i) for i, (hook, _) in enumerate(hook_args)}
        for hook in self._hooks:
            hook.after_run(context, SessionRunValues(results=by_hook.get(hook), options=options,
                                                     run_metadata=run_metadata))
        self._stop_requested = self._stop_requested or context.stop_requested
        return results["caller"]

    def run_step_fn(self, step_fn):
        """Call ``step_fn(step_context)``; a StopIteration from it ends the loop."""
        try:
            return step_fn(StepContext(self._sess, self.run))
        except StopIteration:
            self._stop_requested = True
            return None

    def close(self):
        self._close_internal()

    def _close_internal(self, exception_type=None):
        try:
            if self._sess is not None and not exception_type:
                for hook in self._hooks:
                    hook.end(self._sess)
        finally:
            try:
                self._close_session()
            finally:
                if not self._graph_was_finalized:
                    self._graph._finalized = False  # TF1's _unsafe_unfinalize

    def _close_session(self):
        if self._sess is None:
            return
        self._coord.request_stop()
        try:
            self._coord.join(self._threads, stop_grace_period_secs=self._stop_grace_period_secs,
                             ignore_live_threads=True)
        finally:
            self._sess.close()
            self._sess = None

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception_value, traceback):
        if exception_type in (errors.OutOfRangeError, StopIteration):
            exception_type = None  # the input ran out: a normal end
        self._close_internal(exception_type)
        return exception_type is None


class MonitoredSession(_MonitoredSession):
    """A session with hooks, queue runners and a checkpoint-aware session creator; it
    recreates its session after an AbortedError or UnavailableError."""

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        super().__init__(session_creator, hooks, should_recover=True,
                         stop_grace_period_secs=stop_grace_period_secs)


class SingularMonitoredSession(_MonitoredSession):
    """A MonitoredSession on a ChiefSessionCreator that never recovers; ``raw_session()``
    gives the underlying Session."""

    def __init__(self, hooks=None, scaffold=None, master="", config=None, checkpoint_dir=None,
                 stop_grace_period_secs=120, checkpoint_filename_with_path=None):
        creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config,
                                      checkpoint_dir=checkpoint_dir,
                                      checkpoint_filename_with_path=checkpoint_filename_with_path)
        super().__init__(creator, hooks, should_recover=False,
                         stop_grace_period_secs=stop_grace_period_secs)

    def raw_session(self):
        return self._tf_sess()


def _defaults(steps, secs, default_steps, default_secs):
    if steps is USE_DEFAULT and secs is USE_DEFAULT:
        return default_steps, default_secs
    return (None if steps is USE_DEFAULT else steps), (None if secs is USE_DEFAULT else secs)


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None,  # noqa: N802
                             hooks=None, chief_only_hooks=None, save_checkpoint_secs=USE_DEFAULT,
                             save_summaries_steps=USE_DEFAULT, save_summaries_secs=USE_DEFAULT,
                             config=None, stop_grace_period_secs=120, log_step_count_steps=100,
                             max_wait_secs=7200, save_checkpoint_steps=USE_DEFAULT,
                             summary_dir=None):
    """A MonitoredSession set up for training. On the chief: restore from / save
    checkpoints to ``checkpoint_dir`` (every 600 s by default, or every
    ``save_checkpoint_steps``), write summaries every 100 steps (or as given) and the
    steps per second to ``summary_dir`` (default ``checkpoint_dir``); ``chief_only_hooks``
    run only there."""
    save_summaries_steps, save_summaries_secs = _defaults(save_summaries_steps, save_summaries_secs, 100, None)
    save_checkpoint_steps, save_checkpoint_secs = _defaults(save_checkpoint_steps, save_checkpoint_secs, None, 600)
    scaffold = scaffold or Scaffold()
    if not is_chief:
        creator = WorkerSessionCreator(scaffold=scaffold, master=master, config=config,
                                       max_wait_secs=max_wait_secs)
        return MonitoredSession(creator, hooks=hooks or [], stop_grace_period_secs=stop_grace_period_secs)
    from tensorflux.training import basic_session_run_hooks as basic
    all_hooks = list(chief_only_hooks or [])
    creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_dir=checkpoint_dir, master=master,
                                  config=config)
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(basic.StepCounterHook(output_dir=summary_dir, every_n_steps=log_step_count_steps))
        if (save_summaries_steps and save_summaries_steps > 0) or (save_summaries_secs and save_summaries_secs > 0):
            all_hooks.append(basic.SummarySaverHook(scaffold=scaffold, save_steps=save_summaries_steps,
                                                    save_secs=save_summaries_secs, output_dir=summary_dir))
    if checkpoint_dir and ((save_checkpoint_secs and save_checkpoint_secs > 0)
                           or (save_checkpoint_steps and save_checkpoint_steps > 0)):
        all_hooks.append(basic.CheckpointSaverHook(checkpoint_dir, save_steps=save_checkpoint_steps,
                                                   save_secs=save_checkpoint_secs, scaffold=scaffold))
    all_hooks.extend(hooks or [])
    return MonitoredSession(creator, hooks=all_hooks, stop_grace_period_secs=stop_grace_period_secs)
