"""``tf.train``: optimizers, learning-rate schedules and the global step."""
from tensorflux.ops.learning_rate import (cosine_decay, exponential_decay,  # noqa: F401
                                          inverse_time_decay, natural_exp_decay,
                                          piecewise_constant, polynomial_decay)
from tensorflux.ops.optimizers import (AdadeltaOptimizer, AdagradOptimizer,  # noqa: F401
                                       AdamOptimizer, FtrlOptimizer, GradientDescentOptimizer,
                                       MomentumOptimizer, Optimizer, RMSPropOptimizer,
                                       create_global_step, get_global_step,
                                       get_or_create_global_step, global_step)
from tensorflux.serialization.saver import (CheckpointState, NewCheckpointReader,  # noqa: F401
                                           Saver, checkpoint_exists, export_meta_graph,
                                           get_checkpoint_state, import_meta_graph,
                                           latest_checkpoint, list_variables, load_checkpoint,
                                           load_variable, update_checkpoint_state)

_HOOKS = ("SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues")


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Write a Graph or GraphDef as a TensorFlow GraphDef file; returns its path."""
    from tensorflux.interop.graph_util import write_graph as write
    return write(graph_or_graph_def, logdir, name, as_text)


def __getattr__(name):
    """The session-run hook classes live with the estimator, imported when first used."""
    if name in _HOOKS:
        from tensorflux.estimator import estimator
        return getattr(estimator, name)
    raise AttributeError(f"module 'tensorflux.train' has no attribute {name!r}")
