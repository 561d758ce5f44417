"""``tf.flags`` (also ``tf.app.flags``): TF1's command-line flags, absl-style.

``DEFINE_string/integer/float/boolean/enum/list`` register flags on ``FLAGS``;
``tf.app.run()`` parses ``sys.argv`` into it (``--name=value``, ``--name value``, and
``--name`` / ``--noname`` for booleans) before calling ``main``. Reading a flag before
parsing gives its default, as TF1's flags did.
"""
from __future__ import annotations


class Error(Exception):
    """A bad flag definition or command line."""


class _Flag:
    def __init__(self, name, default, help, parser, kind):
        self.name, self.default, self.help = name, default, help
        self.parser, self.kind = parser, kind
        self.value = default


class FlagValues:
    """The registered flags; flags are attributes (``FLAGS.learning_rate``)."""

    def __init__(self):
        object.__setattr__(self, "_flags", {})
        object.__setattr__(self, "_parsed", False)

    def __getattr__(self, name):
        flags = object.__getattribute__(self, "_flags")
        if name in flags:
            return flags[name].value
        raise AttributeError(f"Unknown flag --{name}; defined flags: {sorted(flags)}")

    def __setattr__(self, name, value):
        if name not in self._flags:
            raise AttributeError(f"Unknown flag --{name}")
        self._flags[name].value = value

    def __contains__(self, name):
        return name in self._flags

    def is_parsed(self):
        return self._parsed

    def flag_values_dict(self):
        return {name: flag.value for name, flag in self._flags.items()}

    def _define(self, flag):
        if flag.name in self._flags:
            raise Error(f"Flag --{flag.name} is defined twice")
        self._flags[flag.name] = flag

    def __call__(self, argv):
        """Parse the flags in ``argv`` (argv[0] is the program); return the program and
        the arguments that are not flags."""
        argv = list(argv)
        rest, i = argv[:1], 1
        while i < len(argv):
            arg = argv[i]
            i += 1
            if arg == "--":
                rest.extend(argv[i:])
                break
            if not arg.startswith("-") or arg == "-":
                rest.append(arg)
                continue
            name, has_value, value = arg.lstrip("-").partition("=")
            flag = self._flags.get(name)
            if flag is None and name.startswith("no") and not has_value:
                negated = self._flags.get(name[2:])
                if negated is not None and negated.kind == "bool":
                    negated.value = False
                    continue
            if flag is None:
                raise Error(f"Unknown command line flag '{name}'")
            if not has_value:
                if flag.kind == "bool":
                    flag.value = True
                    continue
                if i >= len(argv):
                    raise Error(f"Flag --{name} needs a value")
                value = argv[i]
                i += 1
            try:
                flag.value = flag.parser(value)
            except (TypeError, ValueError) as exc:
                raise Error(f"Illegal value for flag --{name}: {exc}") from None
        object.__setattr__(self, "_parsed", True)
        return rest


FLAGS = FlagValues()


def _bool(text):
    lowered = str(text).lower()
    if lowered in ("true", "t", "1", "yes"):
        return True
    if lowered in ("false", "f", "0", "no"):
        return False
    raise ValueError(f"{text!r} is not a boolean")


def _define(name, default, help, parser, kind, flag_values):
    (flag_values or FLAGS)._define(_Flag(name, default, help, parser, kind))


def DEFINE_string(name, default, help, flag_values=None, **kwargs):  # noqa: N802 - TF1 names
    _define(name, default, help, str, "string", flag_values)


def _bounded(convert, lower_bound, upper_bound):
    def parse(text):
        value = convert(text)
        if (lower_bound is not None and value < lower_bound) or \
                (upper_bound is not None and value > upper_bound):
            raise ValueError(f"{value} is outside [{lower_bound}, {upper_bound}]")
        return value
    return parse


def DEFINE_integer(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,
                   **kwargs):  # noqa: N802
    _define(name, default, help, _bounded(int, lower_bound, upper_bound), "int", flag_values)


def DEFINE_float(name, default, help, lower_bound=None, upper_bound=None, flag_values=None,
                 **kwargs):  # noqa: N802
    _define(name, default, help, _bounded(float, lower_bound, upper_bound), "float",
            flag_values)


def DEFINE_boolean(name, default, help, flag_values=None, **kwargs):  # noqa: N802
    _define(name, default, help, _bool, "bool", flag_values)


DEFINE_bool = DEFINE_boolean


def DEFINE_enum(name, default, enum_values, help, flag_values=None, **kwargs):  # noqa: N802
    def parse(text):
        if text not in enum_values:
            raise ValueError(f"value should be one of <{'|'.join(enum_values)}>")
        return text
    _define(name, default, help, parse, "enum", flag_values)


def DEFINE_list(name, default, help, flag_values=None, **kwargs):  # noqa: N802
    _define(name, list(default) if isinstance(default, (list, tuple)) else
            ([] if default is None else str(default).split(",")), help,
            lambda text: [v for v in text.split(",") if v], "list", flag_values)


from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
