"""``tf.py_func``: a Python function of NumPy arrays as an op of the graph.

The function runs on the host each time the op runs. It is never serialized: code does
not go into files, so exporting a graph that holds a py_func op is refused with an error
naming it (``Saver.save`` then writes the checkpoint without its ``.meta`` file)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop

defop("PyFunc", ("*input",), attrs={"func": None, "Tout": (), "stateful": True},
      num_outputs=lambda attrs: len(attrs["Tout"]),
      dtype_fn=lambda op: list(op.attrs["Tout"]),
      shape_fn=lambda op: [TensorShape(None)] * len(op.attrs["Tout"]), stateful=True,
      doc="Calls a Python function on the host (tf.py_func); no gradient, never saved.")


def py_func(func, inp, Tout, stateful=True, name=None):  # noqa: N803 - TF1 names
    """``func(*numpy_inputs)`` as an op returning tensors of dtypes ``Tout`` (a list
    gives a list of tensors, a single dtype one tensor). Shapes are unknown until run:
    use ``set_shape`` when you know them."""
    if not callable(func):
        raise TypeError(f"func must be callable, got {func!r}")
    single = not isinstance(Tout, (list, tuple))
    tout = tuple(dtypes.as_dtype(t) for t in ([Tout] if single else Tout))
    inputs = [convert_to_tensor(x) for x in (inp if isinstance(inp, (list, tuple)) else [inp])]
    op = get_default_graph().create_op("PyFunc", inputs, {"func": func, "Tout": tout,
                                                          "stateful": bool(stateful)},
                                       name=name or "PyFunc")
    outputs = op.outputs
    if single:
        return outputs[0]
    return outputs if outputs else op


numpy_function = py_func
