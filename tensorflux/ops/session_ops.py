"""Tensors kept in a session between runs: ``tf.get_session_handle``,
``tf.get_session_tensor`` and ``tf.delete_session_tensor``.

Running ``get_session_handle(x)`` stores the value of ``x`` in the session and fetches a
``TensorHandle`` (a string naming it, with ``.handle``); a later run reads the value back
by feeding that handle to the placeholder ``get_session_tensor`` returns, without the
value leaving the session in between. The kernels are in
``tensorflux.backends.session_kernels``.
"""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph, name_scope
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable

defop("GetSessionHandle", ("value",), stateful=True, dtype_fn=lambda op: [dtypes.string],
      shape_fn=lambda op: [TensorShape(())], doc="Keep a value in the session; its handle.")
defop("GetSessionTensor", ("handle",), attrs={"dtype": None}, stateful=True,
      dtype_fn=lambda op: [op.attrs["dtype"]], shape_fn=lambda op: [TensorShape(None)],
      doc="The value a session handle names.")
defop("DeleteSessionTensor", ("handle",), num_outputs=0, stateful=True,
      dtype_fn=lambda op: [], shape_fn=lambda op: [], doc="Forget the value of a handle.")
not_differentiable("GetSessionHandle", "GetSessionTensor", "DeleteSessionTensor")


class TensorHandle(str):
    """A fetched session handle: the string that names a value kept in the session
    (feed it to ``get_session_tensor``'s placeholder)."""

    def __new__(cls, handle, dtype=None):
        text = handle.decode() if isinstance(handle, bytes) else str(handle)
        obj = super().__new__(cls, text)
        obj._dtype = dtype
        return obj

    @property
    def handle(self):
        return str(self)

    def get_raw_handle(self):
        return str(self)

    def eval(self, session=None):
        """The value (read in ``session``, by default the default session)."""
        holder, value = get_session_tensor(self.handle, self._dtype)
        return _session(session).run(value, {holder: self.handle})

    def delete(self, session=None):
        """Forget the value in ``session`` (by default the default session)."""
        holder, deleter = delete_session_tensor(self.handle)
        _session(session).run(deleter, {holder: self.handle})


def _session(session):
    from tensorflux.core.session import get_default_session
    session = session or get_default_session()
    if session is None:
        raise ValueError("No session: pass one, or use the handle inside `with sess.as_default()`")
    return session


class SessionHandle:
    """What ``get_session_handle`` returns: fetching it gives a TensorHandle; in ops it
    is the handle's string tensor."""

    def __init__(self, tensor, dtype):
        self._tensor, self._value_dtype = tensor, dtype

    op = property(lambda self: self._tensor.op)
    name = property(lambda self: self._tensor.name)
    dtype = property(lambda self: self._tensor.dtype)
    graph = property(lambda self: self._tensor.graph)

    def _as_tensor(self):
        return self._tensor

    def _composite_tensors(self):
        return [self._tensor]

    def _composite_value(self, handle):
        return TensorHandle(handle[()] if hasattr(handle, "shape") else handle,
                            self._value_dtype)


def get_session_handle(data, name=None):
    """Keep the value of ``data`` in the session when run; fetching gives its
    TensorHandle."""
    data = convert_to_tensor(data)
    op = get_default_graph().create_op("GetSessionHandle", [data],
                                       name=name or "GetSessionHandle")
    return SessionHandle(op.outputs[0], data.dtype)


def get_session_tensor(handle, dtype, name=None):
    """(placeholder, tensor): feed a handle to the placeholder and the tensor is the
    value it names (``dtype`` is the value's)."""
    from tensorflux.ops.array_ops import placeholder
    with name_scope(name, "GetSessionTensor"):
        holder = placeholder(dtypes.string, [], name="handle")
        value = get_default_graph().create_op("GetSessionTensor", [holder],
                                              {"dtype": dtypes.as_dtype(dtype)}).outputs[0]
    return holder, value


def delete_session_tensor(handle, name=None):
    """(placeholder, op): running the op with a handle fed forgets its value."""
    from tensorflux.ops.array_ops import placeholder
    with name_scope(name, "DeleteSessionTensor"):
        holder = placeholder(dtypes.string, [], name="handle")
        deleter = get_default_graph().create_op("DeleteSessionTensor", [holder])
    return holder, deleter
