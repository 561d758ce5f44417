"""``tf.app``: ``run`` parses the command-line flags and calls ``main``."""
import sys

from tensorflux import flags  # noqa: F401 - tf.app.flags


def run(main=None, argv=None):
    """Parse ``argv`` (default ``sys.argv``) into ``tf.flags.FLAGS``, then exit with
    ``main(remaining arguments)`` (``main`` defaults to ``__main__.main``)."""
    args = flags.FLAGS(sys.argv if argv is None else argv)
    main = main or sys.modules["__main__"].main
    sys.exit(main(args))


from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
