"""``tf.train``: optimizers, learning-rate schedules, moving averages, checkpoints, the
global step, and (imported when first used) the session-run machinery and input queues."""
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
                                                       get_checkpoint_mtimes, remove_checkpoint)
from tensorflux.serialization.events import summary_iterator  # noqa: F401
from tensorflux.serialization.saver import (CheckpointState, NewCheckpointReader,  # noqa: F401
                                           Saver, checkpoint_exists, export_meta_graph,
                                           get_checkpoint_state, import_meta_graph,
                                           latest_checkpoint, list_variables, load_checkpoint,
                                           load_variable, update_checkpoint_state)

from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

# Names imported when first used: module -> names.
_LAZY = {
    "tensorflux.training.session_run_hook": ("SessionRunArgs", "SessionRunContext",
                                             "SessionRunHook", "SessionRunValues"),
    "tensorflux.training.basic_session_run_hooks": (
        "CheckpointSaverHook", "CheckpointSaverListener", "FeedFnHook", "FinalOpsHook",
        "GlobalStepWaiterHook", "LoggingTensorHook", "NanLossDuringTrainingError", "NanTensorHook",
        "SecondOrStepTimer", "StepCounterHook", "StopAtStepHook", "SummarySaverHook"),
    "tensorflux.training.monitored_session": (
        "ChiefSessionCreator", "MonitoredSession", "MonitoredTrainingSession", "Scaffold",
        "SessionCreator", "SingularMonitoredSession", "WorkerSessionCreator"),
    "tensorflux.training.coordinator": ("Coordinator", "LooperThread"),
    "tensorflux.training.session_manager": ("SessionManager",),
    "tensorflux.training.supervisor": ("Supervisor", "basic_train_loop"),
    "tensorflux.training.warm_starting": ("VocabInfo", "init_from_checkpoint", "warm_start"),
    "tensorflux.training.queue_runner": ("QueueRunner", "add_queue_runner", "start_queue_runners"),
    "tensorflux.training.input": ("batch", "batch_join", "input_producer", "limit_epochs",
                                  "maybe_batch", "maybe_batch_join", "maybe_shuffle_batch",
                                  "maybe_shuffle_batch_join", "range_input_producer",
                                  "shuffle_batch", "shuffle_batch_join", "slice_input_producer",
                                  "string_input_producer"),
    "tensorflux.ops.io_ops": ("match_filenames_once",),
    "tensorflux.interop.graph_util": ("write_graph",),
    "tensorflux.serialization.example_pb": ("BytesList", "Example", "Feature", "FeatureList",
                                            "FeatureLists", "Features", "FloatList", "Int64List",
                                            "SequenceExample"),
}
__getattr__ = _namespace_getattr(__name__, lazy={
    "SaverDef": "tensorboard.compat.proto.saver_pb2:SaverDef",
    "queue_runner": "tensorflux.training.queue_runner",  # tf.train.queue_runner.QueueRunner
    **{name: f"{module}:{name}" for module, names in _LAZY.items() for name in names}})
