"""Registering the shared kernels for a backend with a NumPy-like array namespace.

The kernels of ``array_kernels``, ``nn_kernels``, ``conv_kernels``, ``image_kernels`` and
the others listed in ``KERNEL_MAKERS`` are written once against ``xp``. NumPy, CuPy and the
strict CPU stand-in of ``tensorflux.testing`` all register them here: the namespace is
loaded the first time a plan builds one of its kernels, so registering never imports CuPy.
``HOST_MEMORY`` says which kernels read inputs or write outputs on the host, as TF's
``HostMemory`` does.
"""
from __future__ import annotations

import functools

from tensorflux.backends.accumulator_kernels import KERNELS as ACCUMULATOR_KERNELS
from tensorflux.backends.array_kernels import make_kernels
from tensorflux.backends.audio_kernels import KERNELS as AUDIO_KERNELS
from tensorflux.backends.checkpoint_kernels import KERNELS as CHECKPOINT_KERNELS
from tensorflux.backends.encoding_kernels import KERNELS as ENCODING_KERNELS
from tensorflux.backends.sequence_parsing_kernels import KERNELS as SEQUENCE_PARSING_KERNELS
from tensorflux.backends.session_kernels import KERNELS as SESSION_KERNELS
from tensorflux.backends.conv_kernels import make_conv_kernels
from tensorflux.backends.conv3d_kernels import HOST_MEMORY as CONV3D_HOST_MEMORY
from tensorflux.backends.conv3d_kernels import make_conv3d_kernels
from tensorflux.backends.morphology_kernels import make_morphology_kernels
from tensorflux.backends.special_extra_kernels import make_special_extra_kernels
from tensorflux.backends.data_flow_kernels import KERNELS as DATA_FLOW_KERNELS
from tensorflux.backends.fused_kernels import make_fused_kernels
from tensorflux.backends.linalg_kernels import make_linalg_kernels
from tensorflux.backends.manip_kernels import HOST_MEMORY as MANIP_HOST_MEMORY
from tensorflux.backends.manip_kernels import make_manip_kernels
from tensorflux.backends.math_kernels import HOST_MEMORY as MATH_HOST_MEMORY
from tensorflux.backends.math_kernels import make_math_kernels
from tensorflux.backends.mpi_kernels import KERNELS as MPI_KERNELS
from tensorflux.backends.nn_kernels import make_nn_kernels
from tensorflux.backends.parsing_kernels import KERNELS as PARSING_KERNELS
from tensorflux.backends.passthrough_kernels import make_passthrough_kernels
from tensorflux.backends.random_kernels import HOST_MEMORY as RANDOM_HOST_MEMORY
from tensorflux.backends.random_kernels import make_random_kernels
from tensorflux.backends.reader_kernels import KERNELS as READER_KERNELS
from tensorflux.backends.sampler_kernels import HOST_MEMORY as SAMPLER_HOST_MEMORY
from tensorflux.backends.sampler_kernels import make_sampler_kernels
from tensorflux.backends.script_kernels import KERNELS as SCRIPT_KERNELS
from tensorflux.backends.sparse_kernels import HOST_MEMORY as SPARSE_HOST_MEMORY
from tensorflux.backends.sparse_kernels import make_sparse_kernels
from tensorflux.backends.sparse_update_kernels import make_sparse_update_kernels
from tensorflux.backends.string_kernels import KERNELS as STRING_KERNELS
from tensorflux.backends.sparse_extra_kernels import KERNELS as SPARSE_EXTRA_KERNELS
from tensorflux.backends.ctc_kernels import KERNELS as CTC_KERNELS
from tensorflux.backends.set_kernels import KERNELS as SET_KERNELS
from tensorflux.backends.unicode_kernels import KERNELS as UNICODE_KERNELS
from tensorflux.backends.index_shuffle_kernels import KERNELS as INDEX_SHUFFLE_KERNELS
from tensorflux.backends.string_extra_kernels import KERNELS as STRING_EXTRA_KERNELS
from tensorflux.backends.image_box_kernels import KERNELS as BOX_KERNELS
from tensorflux.backends.image_codec_kernels import KERNELS as CODEC_KERNELS
from tensorflux.backends.image_kernels import HOST_MEMORY as IMAGE_HOST_MEMORY
from tensorflux.backends.image_kernels import make_image_kernels
from tensorflux.backends.init_kernels import make_init_kernels
from tensorflux.backends.iterator_kernels import KERNELS as ITERATOR_KERNELS
from tensorflux.backends.logging_kernels import KERNELS as LOGGING_KERNELS
from tensorflux.backends.summary_extra_kernels import KERNELS as SUMMARY_EXTRA_KERNELS
from tensorflux.backends.summary_kernels import KERNELS as SUMMARY_KERNELS
from tensorflux.backends.tensor_array_kernels import (HOST_INPUTS as TA_HOST_INPUTS,
                                                     HOST_OUTPUTS as TA_HOST_OUTPUTS,
                                                     make_tensor_array_kernels)
from tensorflux.interop.tf_only_ops import KERNELS as TF_ONLY_KERNELS

# op type -> (indices of inputs read on the host, outputs are host arrays)
HOST_MEMORY = {
    "Shape": ((), True), "Size": ((), True), "Rank": ((), True),
    "IsVariableInitialized": ((), True), "ReportUninitializedVariables": ((), True),
    "Reshape": ((1,), False), "Tile": ((1,), False), "Pad": ((1,), False),
    "Fill": ((0,), False), "Slice": ((1, 2), False),
    "Range": ((0, 1, 2), False), "LinSpace": ((0, 1, 2), False), "Conv2DTranspose": ((0,), False),
    "RandomUniform": ((0,), False), "RandomStandardNormal": ((0,), False),
    "TruncatedNormal": ((0,), False), "RandomUniformInt": ((0, 1, 2), False),
    **{op: (inputs, False) for op, inputs in TA_HOST_INPUTS.items()},
    **{op: ((), True) for op in TA_HOST_OUTPUTS},
    **MATH_HOST_MEMORY, **MANIP_HOST_MEMORY, **RANDOM_HOST_MEMORY, **SAMPLER_HOST_MEMORY,
    **SPARSE_HOST_MEMORY,
    **IMAGE_HOST_MEMORY, **CONV3D_HOST_MEMORY,
}


KERNEL_MAKERS = (make_kernels, make_nn_kernels, make_math_kernels, make_linalg_kernels,
                 make_manip_kernels, make_random_kernels, make_tensor_array_kernels,
                 make_sparse_kernels, make_sparse_update_kernels, make_sampler_kernels,
                 make_image_kernels, make_init_kernels, make_conv_kernels, make_conv3d_kernels,
                 make_morphology_kernels, make_special_extra_kernels, make_passthrough_kernels,
                 make_fused_kernels)


class _Names:
    """Stands in for an array namespace to list the op types the kernels cover."""

    def __getattr__(self, name):
        return _Names()

    def __call__(self, *args, **kwargs):
        return _Names()


@functools.lru_cache(maxsize=1)
def op_types() -> tuple:
    return tuple(sorted(set().union(*(make(_Names()) for make in KERNEL_MAKERS))))


def kernel_table(xp) -> dict:
    return {k: v for make in KERNEL_MAKERS for k, v in make(xp).items()}


def register_array_kernels(register, backend: str, load_xp):
    """Register every shared kernel for ``backend``; ``load_xp()`` gives the namespace
    when the first kernel is built."""
    table = functools.lru_cache(maxsize=1)(lambda: kernel_table(load_xp()))

    def lazy(op_type):
        def build(op, ctx):
            kind, f = table()[op_type]
            if kind == "builder":
                return f(op, ctx)
            return functools.partial(f, **op.attrs) if op.attrs else f
        return build

    for op_type in op_types():
        host_inputs, host_outputs = HOST_MEMORY.get(op_type, ((), False))
        register(op_type, backend=backend, builder=lazy(op_type),
                 host_inputs=host_inputs, host_outputs=host_outputs)
    # Summaries build protocol buffers, parsing ops read them, queues and readers hold
    # host values, py_func calls Python, MPI moves host buffers, assertions and printing
    # format values, image codecs encode bytes, tf.data pipelines run Python: they run on
    # the host, wherever placed (TF's kernels of these are CPU-only too). So do the
    # string ops and the ops only graphs imported from TensorFlow use.
    host_kernels = {**SUMMARY_KERNELS, **SUMMARY_EXTRA_KERNELS, **SCRIPT_KERNELS,
                    **STRING_KERNELS, **MPI_KERNELS, **PARSING_KERNELS, **DATA_FLOW_KERNELS,
                    **READER_KERNELS, **LOGGING_KERNELS, **CODEC_KERNELS, **BOX_KERNELS,
                    **TF_ONLY_KERNELS, **CHECKPOINT_KERNELS, **ENCODING_KERNELS,
                    **SEQUENCE_PARSING_KERNELS, **ACCUMULATOR_KERNELS, **SESSION_KERNELS,
                    **AUDIO_KERNELS, **SPARSE_EXTRA_KERNELS, **STRING_EXTRA_KERNELS,
                    **CTC_KERNELS, **SET_KERNELS, **UNICODE_KERNELS, **INDEX_SHUFFLE_KERNELS,
                    **ITERATOR_KERNELS}
    for op_type, host_builder in host_kernels.items():
        register(op_type, backend=backend, builder=host_builder,
                 host_inputs=True, host_outputs=True)
