"""``tf.contrib.framework``: arg_scope and add_arg_scope."""
from tensorflux.contrib.framework.arg_scope import (add_arg_scope, arg_scope,  # noqa: F401
                                                    arg_scoped_arguments, current_arg_scope,
                                                    has_arg_scope)
