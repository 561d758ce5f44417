"""Which graph passes a session runs: TF1's ``GraphOptions`` / ``OptimizerOptions`` and
Grappler's ``RewriterConfig`` switches, and the ``TENSORFLUX_OPT_LEVEL`` environment
variable.

Every pass is on by default (``OptimizerOptions.L1``). ``opt_level=L0`` turns them all
off, except that ``do_constant_folding`` and ``do_common_subexpression_elimination``
set to True turn those two back on (as in TF1, where L1 is what sets them). A
``RewriterConfig`` field set to ``OFF`` (or ``memory_optimization=NO_MEM_OPT``,
``disable_model_pruning=True``) turns one pass off. ``TENSORFLUX_OPT_LEVEL=0`` in the
environment makes every session behave as if it had asked for L0 (the test suite runs
the graph-level tests that way too).
"""
from __future__ import annotations

import os

# The passes, in the order they run (see tensorflux.optimizer.optimize).
PASSES = ("constant_folding", "arithmetic", "cse", "pruning", "fusion", "memory")


class _Message:
    """Keyword fields with defaults; unknown fields are kept, as ConfigProto keeps them."""

    _defaults: dict = {}

    def __init__(self, **kwargs):
        for name, default in self._defaults.items():
            setattr(self, name, kwargs.pop(name, default))
        self.__dict__.update(kwargs)

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


class OptimizerOptions(_Message):
    """TF1's ``tf.OptimizerOptions``: ``opt_level`` (``L1``, the default, or ``L0``),
    ``do_constant_folding``, ``do_common_subexpression_elimination`` and
    ``max_folded_constant_in_bytes`` (0: 10 MiB, TensorFlow's limit)."""

    L1, L0 = 0, -1
    DEFAULT, OFF, ON_1, ON_2 = 0, -1, 1, 2  # GlobalJitLevel: accepted, no effect
    _defaults = {"opt_level": 0, "do_constant_folding": False,
                 "do_common_subexpression_elimination": False, "do_function_inlining": False,
                 "max_folded_constant_in_bytes": 0, "global_jit_level": 0}


class RewriterConfig(_Message):
    """Grappler's ``RewriterConfig`` (TF1: ``rewriter_config_pb2.RewriterConfig``), the
    ``rewrite_options`` of ``tf.GraphOptions``. The fields that name a tensorflux pass:
    ``constant_folding``, ``arithmetic_optimization``, ``common_subgraph_elimination``,
    ``remapping`` (fusion), ``memory_optimization`` (buffer planning) and
    ``disable_model_pruning`` (dead-op removal). Other fields are kept and ignored."""

    DEFAULT, ON, OFF, AGGRESSIVE = 0, 1, 2, 3  # Toggle
    DEFAULT_MEM_OPT, NO_MEM_OPT, MANUAL, HEURISTICS = 0, 1, 2, 3  # MemOptType
    SWAPPING_HEURISTICS, RECOMPUTATION_HEURISTICS, SCHEDULING_HEURISTICS = 4, 5, 6
    _defaults = {"constant_folding": 0, "arithmetic_optimization": 0,
                 "common_subgraph_elimination": 0, "remapping": 0, "memory_optimization": 0,
                 "disable_model_pruning": False}


class GraphOptions(_Message):
    """TF1's ``tf.GraphOptions``: ``optimizer_options`` (an ``OptimizerOptions``) and
    ``rewrite_options`` (a ``RewriterConfig``); other fields are kept and ignored."""

    _defaults = {"optimizer_options": None, "rewrite_options": None}


_TOGGLES = {"constant_folding": "constant_folding", "arithmetic": "arithmetic_optimization",
            "cse": "common_subgraph_elimination", "fusion": "remapping"}
_MAX_FOLDED_BYTES = 10 * 1024 * 1024


def _env_level():
    value = os.environ.get("TENSORFLUX_OPT_LEVEL", "").strip()
    if not value:
        return None
    if value not in ("0", "1"):
        raise ValueError(f"TENSORFLUX_OPT_LEVEL must be 0 or 1, got {value!r}")
    return OptimizerOptions.L1 if value == "1" else OptimizerOptions.L0


def enabled_passes(config) -> frozenset:
    """The names of the passes (of ``PASSES``) a session with ``config`` runs."""
    graph_options = getattr(config, "graph_options", None)
    opts = getattr(graph_options, "optimizer_options", None) or OptimizerOptions()
    rewrite = getattr(graph_options, "rewrite_options", None) or RewriterConfig()
    level = _env_level()
    if level is None:
        level = opts.opt_level
    if level == OptimizerOptions.L0:
        on = set()
        if opts.do_constant_folding:
            on.add("constant_folding")
        if opts.do_common_subexpression_elimination:
            on.add("cse")
    else:
        on = set(PASSES)
    for name, field in _TOGGLES.items():
        if getattr(rewrite, field, 0) == RewriterConfig.OFF:
            on.discard(name)
    if getattr(rewrite, "memory_optimization", 0) == RewriterConfig.NO_MEM_OPT:
        on.discard("memory")
    if getattr(rewrite, "disable_model_pruning", False):
        on.discard("pruning")
    return frozenset(on)


def max_folded_bytes(config) -> int:
    """The largest constant folding may create (``max_folded_constant_in_bytes``)."""
    opts = getattr(getattr(config, "graph_options", None), "optimizer_options", None)
    limit = getattr(opts, "max_folded_constant_in_bytes", 0) or 0
    return int(limit) if limit > 0 else _MAX_FOLDED_BYTES
