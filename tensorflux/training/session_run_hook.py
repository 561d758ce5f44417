"""``tf.train.SessionRunHook`` and the values it exchanges with a MonitoredSession."""
from __future__ import annotations

from typing import NamedTuple


class SessionRunHook:
    """Called around each ``run`` of a MonitoredSession (and by tf.estimator)."""

    def begin(self):
        """Before the session exists; the graph may still be changed."""

    def after_create_session(self, session, coord):
        """The session exists and its variables are initialized or restored."""

    def before_run(self, run_context):
        """Return SessionRunArgs(fetches, feed_dict, options) to add to the run, or None."""
        return None

    def after_run(self, run_context, run_values):
        """``run_values.results`` holds what before_run asked for."""

    def end(self, session):
        """The loop ended without an exception (OutOfRangeError counts as the end)."""


class SessionRunArgs(NamedTuple):
    """What a hook adds to the next run: fetches (any structure), feeds and options."""

    fetches: object = None
    feed_dict: object = None
    options: object = None


class SessionRunValues(NamedTuple):
    """The results of a hook's fetches, with the run's options and metadata."""

    results: object = None
    options: object = None
    run_metadata: object = None


class SessionRunContext:
    """What hooks see of a run: its arguments, the session, and a way to stop the loop."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    original_args = property(lambda self: self._original_args)
    session = property(lambda self: self._session)
    stop_requested = property(lambda self: self._stop_requested)

    def request_stop(self):
        """Ask the MonitoredSession to stop after this run (should_stop turns True)."""
        self._stop_requested = True
