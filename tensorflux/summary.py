"""``tf.summary``: summary ops and the FileWriter for TensorBoard."""
from tensorflux.ops.summary_ops import histogram, image, merge, merge_all, scalar, text  # noqa: F401
from tensorflux.serialization.summary_writer import FileWriter, SessionLog  # noqa: F401


def __getattr__(name):
    """``FileWriterCache`` (shared writers of the training hooks) when first used."""
    if name == "FileWriterCache":
        from tensorflux.training.summary_writer_cache import FileWriterCache
        return FileWriterCache
    raise AttributeError(f"module 'tensorflux.summary' has no attribute {name!r}")
