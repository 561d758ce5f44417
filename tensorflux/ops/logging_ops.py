"""``tf.Assert``, ``tf.Print`` and ``tf.print``: checks and printing as graph ops.

All three are stateful ops (never pruned away by constant folding, never deduplicated),
so they run when fetched or when an op that runs depends on them through
``tf.control_dependencies``. Their kernels run on the host and format tensors as
TensorFlow does (``tensorflux.backends.logging_kernels``).
"""
from __future__ import annotations

import os
import pprint
import sys

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, gradient, not_differentiable
from tensorflux.ops.shape_fns import same_shape

defop("Assert", ("condition", "*data"), attrs={"summarize": 3}, num_outputs=0,
      dtype_fn=lambda op: [], shape_fn=lambda op: [], stateful=True,
      doc="Raises InvalidArgumentError listing `data` when `condition` is False.")
defop("Print", ("input", "*data"), attrs={"message": "", "first_n": -1, "summarize": 3},
      shape_fn=same_shape, stateful=True,
      doc="Passes `input` through and prints `message` and `data` to stderr (TF1 format).")
defop("PrintV2", ("*inputs",), attrs={"template": "", "placeholder": "{}", "summarize": 3,
                                      "output_stream": "stderr", "end": "\n"},
      num_outputs=0, dtype_fn=lambda op: [], shape_fn=lambda op: [], stateful=True,
      doc="Prints `template` with each placeholder replaced by a tensor (TF2 format).")
not_differentiable("Assert", "PrintV2")


@gradient("Print")
def _print_grad(op, grad):
    return [grad] + [None] * (len(op.inputs) - 1)


def _as_data(values):
    return [convert_to_tensor(v) for v in values]


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF1 name
    """An op that raises ``InvalidArgumentError`` ("assertion failed: [d0] [d1] ...",
    each tensor of ``data`` cut to ``summarize`` values) when ``condition`` is False.

    Returns the Assert Operation: fetch it, or make other ops depend on it with
    ``tf.control_dependencies``.
    """
    with name_scope(name, "Assert", [condition]):
        data = _as_data(data)
        condition = convert_to_tensor(condition, name="Condition")
        if condition.dtype != dtypes.bool_:
            raise TypeError(f"tf.Assert: condition must be a bool tensor, got "
                            f"{condition.dtype.name} ({condition.name})")
        attrs = {"summarize": 3 if summarize is None else int(summarize)}
        return get_default_graph().create_op("Assert", [condition, *data], attrs, name="Assert")


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802
    """TF1's ``tf.Print``: an identity of ``input_`` that prints ``message`` followed by
    each tensor of ``data`` in brackets to stderr whenever it runs (only the first
    ``first_n`` times when given)."""
    value = convert_to_tensor(input_)
    attrs = {"message": message or "", "first_n": -1 if first_n is None else int(first_n),
             "summarize": 3 if summarize is None else int(summarize)}
    return get_default_graph().create_op("Print", [value, *_as_data(data)], attrs,
                                         name=name or "Print").outputs[0]


_LOG_LEVELS = {"debug", "info", "warning", "warn", "error", "fatal"}


def _stream_name(stream):
    """tf.print's output_stream as the PrintV2 attr: stdout, stderr, log(level), file://."""
    if stream is sys.stdout:
        return "stdout"
    if stream is sys.stderr:
        return "stderr"
    if isinstance(stream, str) and stream.startswith("file://"):
        return stream
    from tensorflux import tflogging
    for level in _LOG_LEVELS:
        if stream is getattr(tflogging, level, None):
            return f"log({'warning' if level == 'warn' else level})"
    raise ValueError(f"Unsupported output stream, logging level, or file.{stream}. Supported "
                     f"streams are sys.stdout, sys.stderr, tf.logging.info, "
                     f"tf.logging.warning, tf.logging.error. File needs to be in the form "
                     f"of 'file://<filepath>'.")


def _is_tensor(x):
    from tensorflux.core.graph import Tensor
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [y for item in x for y in _flatten(item)]
    if isinstance(x, dict):
        return [y for key in sorted(x) for y in _flatten(x[key])]
    return [x]


def _pack(structure, flat):
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(item, flat) for item in structure)
    if isinstance(structure, dict):
        return {key: _pack(structure[key], flat) for key in sorted(structure)}
    return flat.pop(0)


def print_v2(*inputs, output_stream=None, summarize=3, sep=" ", end=os.linesep, name=None):
    """TF2's ``tf.print``: an op that prints its inputs (tensors, Python values and
    nested lists/tuples/dicts of them) separated by ``sep`` to ``output_stream``
    (sys.stderr by default; sys.stdout, a ``tf.logging`` function or ``"file://path"``).

    Tensors print as ``[0 1 2 ... 7 8 9]`` (``summarize`` values at each end of every
    dimension, 3 when None; -1 prints all). In graph mode it returns the op: run it, or add it to
    ``tf.control_dependencies``.
    """
    stream = _stream_name(sys.stderr if output_stream is None else output_stream)
    placeholder = "{}"
    free = " ".join(pprint.pformat(x) for x in _flatten(
        [("" if _is_tensor(x) else x) for x in _flatten(list(inputs))]))
    while placeholder in free:  # a placeholder that no Python value contains
        placeholder = "{" + placeholder + "}"
    tensors, templates = [], []
    for item in inputs:
        flat = []
        for x in _flatten(item):
            if _is_tensor(x):
                tensors.append(convert_to_tensor(x))
                flat.append(placeholder)
            else:
                flat.append(x)
        if isinstance(item, str):
            templates.append(item)
        elif _is_tensor(item):
            templates.append(placeholder)
        else:
            templates.append(pprint.pformat(_pack(item, flat)))
    template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
    attrs = {"template": template, "placeholder": placeholder,
             "summarize": 3 if summarize is None else int(summarize),
             "output_stream": stream, "end": end}
    return get_default_graph().create_op("PrintV2", tensors, attrs, name=name or "PrintV2")
