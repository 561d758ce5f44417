"""``tf.train``: optimizers, learning-rate schedules, moving averages, checkpoints and the
global step."""
from tensorflux.ops.graph_helpers import assert_global_step  # noqa: F401
from tensorflux.ops.learning_rate import (cosine_decay, cosine_decay_restarts,  # noqa: F401
                                          exponential_decay, inverse_time_decay,
                                          linear_cosine_decay, natural_exp_decay,
                                          noisy_linear_cosine_decay, piecewise_constant,
                                          piecewise_constant_decay, polynomial_decay)
from tensorflux.ops.moving_averages import ExponentialMovingAverage  # noqa: F401
from tensorflux.ops.optimizers import (AdadeltaOptimizer, AdagradOptimizer,  # noqa: F401
                                       AdamOptimizer, FtrlOptimizer, GradientDescentOptimizer,
                                       MomentumOptimizer, Optimizer, RMSPropOptimizer,
                                       create_global_step, get_global_step,
                                       get_or_create_global_step, global_step)
from tensorflux.ops.proximal_optimizers import (AdagradDAOptimizer,  # noqa: F401
                                                ProximalAdagradOptimizer,
                                                ProximalGradientDescentOptimizer)
from tensorflux.serialization.checkpoint_utils import (checkpoints_iterator,  # noqa: F401
                                                       generate_checkpoint_state_proto,
                                                       get_checkpoint_mtimes, load_checkpoint,
                                                       remove_checkpoint, summary_iterator)
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
