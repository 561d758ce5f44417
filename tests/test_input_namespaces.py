"""The TF1 names of this input-pipeline and training-loop work resolve where TF1 has them
(names from /work/shared/reference/tf1_api_names.json, copied here)."""
import pytest

import tensorflux as tf

IMPLEMENTED = {
    "": ["FIFOQueue", "FixedLenFeature", "FixedLenSequenceFeature", "FixedLengthRecordReader",
         "PaddingFIFOQueue", "QueueBase", "RandomShuffleQueue", "ReaderBase", "SparseTensor",
         "SparseTensorValue", "TFRecordReader", "TextLineReader", "VarLenFeature",
         "WholeFileReader", "convert_to_tensor_or_sparse_tensor", "count_up_to", "decode_csv",
         "decode_raw", "gather_nd", "gfile", "parse_example", "parse_single_example", "queue",
         "read_file", "scatter_nd", "sparse", "sparse_add", "sparse_concat",
         "sparse_fill_empty_rows", "sparse_matmul", "sparse_maximum", "sparse_merge",
         "sparse_minimum", "sparse_placeholder", "sparse_reduce_sum", "sparse_reorder",
         "sparse_reset_shape", "sparse_retain", "sparse_segment_mean", "sparse_segment_sqrt_n",
         "sparse_segment_sum", "sparse_slice", "sparse_to_indicator",
         "sparse_tensor_dense_matmul", "sparse_tensor_to_dense", "sparse_to_dense",
         "sparse_transpose", "write_file"],
    "train": ["BytesList", "CheckpointSaverHook", "CheckpointSaverListener", "ChiefSessionCreator",
              "Coordinator", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
              "FeedFnHook", "FinalOpsHook", "FloatList", "GlobalStepWaiterHook", "Int64List",
              "LoggingTensorHook", "MonitoredSession", "MonitoredTrainingSession",
              "NanLossDuringTrainingError", "NanTensorHook", "QueueRunner", "Scaffold",
              "SecondOrStepTimer", "SequenceExample", "SessionCreator", "SessionRunArgs",
              "SessionRunContext", "SessionRunHook", "SessionRunValues", "SingularMonitoredSession",
              "StepCounterHook", "StopAtStepHook", "SummarySaverHook", "WorkerSessionCreator",
              "add_queue_runner", "batch", "batch_join", "input_producer", "limit_epochs",
              "match_filenames_once",
              "queue_runner", "range_input_producer", "shuffle_batch", "shuffle_batch_join",
              "slice_input_producer", "start_queue_runners", "string_input_producer"],
    "io": ["FixedLenFeature", "FixedLenSequenceFeature", "PaddingFIFOQueue", "QueueBase",
           "RandomShuffleQueue", "TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter",
           "VarLenFeature", "decode_csv", "decode_raw", "gfile", "match_filenames_once",
           "matching_files", "parse_example",
           "parse_single_example", "read_file", "tf_record_iterator", "write_file"],
    "io.gfile": ["GFile", "copy", "exists", "glob", "isdir", "listdir", "makedirs", "mkdir",
                 "remove", "rename", "rmtree", "stat", "walk"],
    "gfile": ["Copy", "DeleteRecursively", "Exists", "FastGFile", "GFile", "Glob", "IsDirectory",
              "ListDirectory", "MakeDirs", "MkDir", "Open", "Remove", "Rename", "Stat", "Walk"],
    "python_io": ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"],
    "sparse": ["SparseTensor", "add", "concat", "expand_dims", "eye", "fill_empty_rows",
               "from_dense", "matmul", "maximum", "merge", "minimum", "placeholder", "reduce_sum",
               "reorder", "reset_shape", "retain", "segment_mean", "segment_sqrt_n",
               "segment_sum", "slice", "sparse_dense_matmul", "to_dense", "to_indicator",
               "transpose"],
    "queue": ["FIFOQueue", "PaddingFIFOQueue", "QueueBase", "RandomShuffleQueue"],
    "summary": ["FileWriterCache"],
}


@pytest.mark.parametrize("namespace", sorted(IMPLEMENTED))
def test_names_resolve(namespace):
    module = tf
    for part in filter(None, namespace.split(".")):
        module = getattr(module, part)
    missing = [n for n in IMPLEMENTED[namespace] if not hasattr(module, n)]
    assert not missing, f"tf.{namespace} lacks {missing}"


def test_estimator_and_train_share_the_hook_classes():
    from tensorflux.estimator import estimator
    assert estimator.SessionRunHook is tf.train.SessionRunHook
    assert tf.train.queue_runner.QueueRunner is tf.train.QueueRunner
