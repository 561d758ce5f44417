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
                                           latest_checkpoint, list_variables, load_variable,
                                           update_checkpoint_state)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

# The session-run hook classes live with the estimator, imported when first used.
__getattr__ = _namespace_getattr(__name__, lazy={
    name: f"tensorflux.estimator.estimator:{name}"
    for name in ("SessionRunArgs", "SessionRunContext", "SessionRunHook", "SessionRunValues")})
