"""TF1 names tensorflux leaves out on purpose, each with the reason, and the module-level
``__getattr__`` that every namespace module installs.

A name in ``UNSUPPORTED`` makes no sense for a graph-mode framework on NumPy and CuPy
(eager-only and TF2-only switches, TPUs, XLA, quantized types, TensorFlow's C++ build).
Using it raises ``UnsupportedError`` with the reason. The class derives from
AttributeError, so ``hasattr(tf, "enable_eager_execution")`` is False as it should be,
and code that probes for a feature keeps working. A name that is neither defined nor
listed raises a plain AttributeError that suggests close names.
"""
from __future__ import annotations

import difflib
import importlib

_EAGER = ("eager execution does not exist in tensorflux: every program builds a graph and "
          "runs it in a tf.Session (tf.executing_eagerly() is False)")
_TF2 = "a TensorFlow 2 behaviour switch; tensorflux always behaves as TensorFlow 1.x"
_QUANT = "quantized types and ops need integer kernels NumPy and CuPy do not have"
_BUILD = "a fact about TensorFlow's C++ build; tensorflux has no C++ build"
_CPP_OPS = ("loads TensorFlow C++ kernels; tensorflux op libraries are Python plugins "
            "(see the Plugins page)")
_DISTRIBUTED = ("TensorFlow's gRPC distributed runtime (parameter servers) is not part of "
                "tensorflux; scale out with data-parallel training over MPI instead: "
                "`import tensorflux.contrib.mpi as hvd` (Horovod's API), launched with "
                "`mpiexec`; see docs/distributed.md")

_OBJECT_SAVED_MODEL = ("TensorFlow 2's object-based SavedModel API (tf.Module objects and "
                       "tf.function signatures); TF1 programs export with "
                       "tf.saved_model.Builder or simple_save and read with "
                       "tf.saved_model.loader.load")

UNSUPPORTED: dict[str, dict[str, str]] = {
    "": {
        "enable_eager_execution": _EAGER,
        "GradientTape": _EAGER + "; use tf.gradients",
        "function": "tf.function traces eager Python functions (TensorFlow 2); " + _EAGER,
        "autograph": "AutoGraph converts eager Python into tf.function graphs (TensorFlow 2)",
        "wrap_function": "wraps a TF1 function for TensorFlow 2's eager runtime",
        "enable_v2_behavior": _TF2, "enable_v2_tensorshape": _TF2,
        "enable_resource_variables": _TF2, "enable_tensor_equality": _TF2,
        "tpu": "TPUs: tensorflux runs on CPUs (NumPy) and NVIDIA GPUs (CuPy)",
        "xla": "XLA is TensorFlow's compiler; tensorflux compiles each run into Python",
        "mlir": "MLIR is TensorFlow's compiler infrastructure",
        "lite": "TensorFlow Lite converts models for mobile runtimes",
        "bfloat16": "NumPy and CuPy have no bfloat16 dtype",
        "to_bfloat16": "NumPy and CuPy have no bfloat16 dtype",
        "qint8": _QUANT, "qint16": _QUANT, "qint32": _QUANT, "quint8": _QUANT,
        "quint16": _QUANT, "QUANTIZED_DTYPES": _QUANT, "quantization": _QUANT,
        "quantize": _QUANT, "quantize_v2": _QUANT, "quantized_concat": _QUANT,
        "dequantize": _QUANT,
        "fake_quant_with_min_max_args": _QUANT,
        "fake_quant_with_min_max_args_gradient": _QUANT,
        "fake_quant_with_min_max_vars": _QUANT,
        "fake_quant_with_min_max_vars_gradient": _QUANT,
        "fake_quant_with_min_max_vars_per_channel": _QUANT,
        "fake_quant_with_min_max_vars_per_channel_gradient": _QUANT,
        "COMPILER_VERSION": _BUILD, "CXX11_ABI_FLAG": _BUILD, "CXX_VERSION": _BUILD,
        "MONOLITHIC_BUILD": _BUILD, "GIT_VERSION": _BUILD,
        "sysconfig": "compiler and linker flags for building TensorFlow C++ ops",
        "load_op_library": _CPP_OPS, "load_library": _CPP_OPS,
        "load_file_system_library": _CPP_OPS,
        "user_ops": "TensorFlow's example C++ user ops",
        "distribute": "tf.distribute strategies run on TensorFlow's distributed runtime; "
                      "scale out with the MPI module instead",
        "experimental": "tf.experimental holds TensorFlow 2 APIs (tf.experimental.numpy, "
                        "dlpack, Optional, tf.function options)",
        "raw_ops": "tf.raw_ops is TensorFlow's C++ op library, op by op with TensorFlow's "
                   "argument conventions; tensorflux's ops are its own registry (docs/ops.md)",
        "types": "tf.types holds TensorFlow 2's abstract classes for type annotations",
        "check_pinned": "asks whether a tensor lives in the pinned host memory of "
                        "TensorFlow's GPU runtime; tensorflux's device memory is CuPy's",
    },
    "saved_model": {
        "save": _OBJECT_SAVED_MODEL, "load_v2": _OBJECT_SAVED_MODEL,
        "Asset": _OBJECT_SAVED_MODEL, "SaveOptions": _OBJECT_SAVED_MODEL,
        "experimental": _OBJECT_SAVED_MODEL,
    },
    "layers": {
        "experimental": "switches tf.layers objects to Keras-style variable tracking on the "
                        "way to TensorFlow 2; tensorflux's layers keep TF1's variable scopes",
    },
    "nn": {
        "quantized_avg_pool": _QUANT, "quantized_conv2d": _QUANT,
        "quantized_max_pool": _QUANT, "quantized_relu_x": _QUANT,
    },
    "train": {
        "SyncReplicasOptimizer": "aggregates gradients across parameter-server replicas: "
                                 + _DISTRIBUTED,
        "Server": _DISTRIBUTED, "ClusterSpec": _DISTRIBUTED, "ClusterDef": _DISTRIBUTED,
        "JobDef": _DISTRIBUTED, "ServerDef": _DISTRIBUTED,
        "replica_device_setter": _DISTRIBUTED,
        "do_quantize_training_on_graphdef": _QUANT,
    },
    "test": {
        "experimental": "synchronizes TensorFlow 2's asynchronous eager devices; " + _EAGER,
        "create_local_cluster": _DISTRIBUTED,
        "with_eager_op_as_function": "runs a test eagerly (TensorFlow 2); " + _EAGER,
        "test_src_dir_path": "a path inside TensorFlow's source tree",
    },
    "errors": {
        "raise_exception_on_not_ok_status": "wraps a status object of TensorFlow's C API",
    },
    "summary": {
        "initialize": "initializes TensorFlow 2 (tf.contrib.summary) summary writers",
        "all_v2_summary_ops": "lists TensorFlow 2 (tf.contrib.summary) summary ops",
    },
}


class UnsupportedError(AttributeError):
    """A TF1 name tensorflux leaves out on purpose; the message says why."""


def _public_name(module_name: str, name: str) -> str:
    namespace = module_name.removeprefix("tensorflux").lstrip(".")
    return f"tf.{namespace}.{name}" if namespace else f"tf.{name}"


def unsupported_reason(namespace: str, name: str):
    """The reason ``tf.<namespace>.<name>`` is left out, or None."""
    return UNSUPPORTED.get(namespace, {}).get(name)


def namespace_getattr(module_name: str, lazy=None):
    """A module ``__getattr__`` for the namespace module ``module_name``.

    ``lazy`` maps names to ``"module:attribute"`` (or ``"module"``) strings that are
    imported when first used (the module caches the value). Names listed in
    ``UNSUPPORTED`` raise UnsupportedError; other unknown names an AttributeError
    that suggests close names.
    """
    lazy = dict(lazy or {})
    namespace = module_name.removeprefix("tensorflux").lstrip(".")

    def __getattr__(name):
        import sys
        module = sys.modules[module_name]
        target = lazy.get(name)
        if target is not None:
            path, _, attr = target.partition(":")
            value = importlib.import_module(path)
            if attr:
                value = getattr(value, attr)
            setattr(module, name, value)
            return value
        public = _public_name(module_name, name)
        reason = unsupported_reason(namespace, name)
        if reason is not None:
            raise UnsupportedError(f"{public} is not supported by tensorflux: {reason}.")
        if name.startswith("__"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        known = [n for n in set(dir(module)) | set(lazy) if not n.startswith("_")]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean {', '.join(_public_name(module_name, c) for c in close)}?" if close else ""
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}: tensorflux "
                             f"does not define {public}.{hint} (docs/api-coverage.md lists "
                             f"what is covered.)")

    return __getattr__
