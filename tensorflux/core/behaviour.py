"""TF1-versus-TF2 behaviour queries and switches.

tensorflux always behaves as TensorFlow 1.x: graphs run in sessions, variables are TF1
variables, tensors compare by identity and ``TensorShape`` holds ``Dimension`` objects.
The queries say so, and the ``disable_*`` switches, which ask for exactly that, are
accepted and change nothing. The ``enable_*`` switches are left out
(``tensorflux.core.unsupported``).
"""


def executing_eagerly():
    """False: tensorflux has no eager mode (``tf.executing_eagerly()`` as in a TF1 graph)."""
    return False


def executing_eagerly_outside_functions():
    """False, as ``executing_eagerly``."""
    return False


def resource_variables_enabled():
    """False: variables are TF1's reference-style variables."""
    return False


def disable_eager_execution():
    """Accepted: there is no eager execution to turn off."""


def disable_v2_behavior():
    """Accepted: tensorflux has TensorFlow 1.x's behaviour already."""


def disable_resource_variables():
    """Accepted: variables are TF1's reference-style variables already."""


def disable_tensor_equality():
    """Accepted: tensors compare (and hash) by identity already, as in TF1."""


def disable_v2_tensorshape():
    """Accepted: ``TensorShape`` holds ``Dimension`` objects already, as in TF1."""


def control_flow_v2_enabled():
    """True: ``tf.cond`` and ``tf.while_loop`` build functional ``If`` / ``While`` ops
    (TensorFlow's control flow v2); the values and gradients are TF1's."""
    return True


def enable_control_flow_v2():
    """Accepted: control flow is functional (v2) already."""


def disable_control_flow_v2():
    """Accepted and changes nothing: tensorflux builds ``If`` / ``While`` ops, whose
    values and gradients are those of TF1's Switch / Merge graphs (TF1 graphs that hold
    those are rebuilt as ``If`` / ``While`` when imported)."""
