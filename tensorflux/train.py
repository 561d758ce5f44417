"""``tf.train``: optimizers, learning-rate schedules and the global step."""
from tensorflux.core.cluster import ClusterSpec, Server, replica_device_setter  # noqa: F401
from tensorflux.ops.learning_rate import (cosine_decay, exponential_decay,  # noqa: F401
                                          inverse_time_decay, natural_exp_decay,
                                          piecewise_constant, polynomial_decay)
from tensorflux.ops.optimizers import (AdadeltaOptimizer, AdagradOptimizer,  # noqa: F401
                                       AdamOptimizer, FtrlOptimizer, GradientDescentOptimizer,
                                       MomentumOptimizer, Optimizer, RMSPropOptimizer,
                                       create_global_step, get_global_step,
                                       get_or_create_global_step, global_step)
from tensorflux.serialization.events import summary_iterator  # noqa: F401
from tensorflux.serialization.saver import (CheckpointState, NewCheckpointReader,  # noqa: F401
                                           Saver, checkpoint_exists, export_meta_graph,
                                           get_checkpoint_state, import_meta_graph,
                                           latest_checkpoint, list_variables, load_variable,
                                           update_checkpoint_state)

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
    "tensorflux.training.coordinator": ("Coordinator",),
    "tensorflux.training.queue_runner": ("QueueRunner", "add_queue_runner", "start_queue_runners"),
    "tensorflux.training.input": ("batch", "batch_join", "input_producer", "limit_epochs",
                                  "range_input_producer", "shuffle_batch", "shuffle_batch_join",
                                  "slice_input_producer", "string_input_producer"),
    "tensorflux.ops.io_ops": ("match_filenames_once",),
    "tensorflux.serialization.example_pb": ("BytesList", "Example", "Feature", "FeatureList",
                                            "FeatureLists", "Features", "FloatList", "Int64List",
                                            "SequenceExample"),
}
_LAZY_NAMES = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name):
    """Protocol buffers and the session-run machinery are imported when first used."""
    if name == "queue_runner":  # tf.train.queue_runner.QueueRunner
        from tensorflux.training import queue_runner
        return queue_runner
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'tensorflux.train' has no attribute {name!r}")
    import importlib
    return getattr(importlib.import_module(module), name)
