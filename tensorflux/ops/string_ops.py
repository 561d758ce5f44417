"""String ops (``tf.strings``) on tensors of bytes. Like TF's string kernels they run on
the host whatever device they are placed on. Regular expressions are Python's ``re``
(TF uses RE2: the common syntax is the same; RE2's ``\\1`` rewrites work too)."""
from __future__ import annotations

from tensorflux.core import dtypes
from tensorflux.core.graph import get_default_graph
from tensorflux.core.shapes import TensorShape
from tensorflux.ops.constant_op import convert_to_tensor
from tensorflux.ops.op_def import defop, not_differentiable
from tensorflux.ops.shape_fns import broadcast_shape, constant_value, reduced_shape, same_shape


def _strings(*indices):
    def check(op):
        for i in indices:
            t = op.inputs[i]
            if t.dtype != dtypes.string:
                what = op.op_def.inputs[min(i, len(op.op_def.inputs) - 1)].lstrip("*")
                raise TypeError(f"{op.type}: input {what!r} must be a string tensor, "
                                f"got {t.dtype.name} ({t.name})")
    return check


def _dtype(result, *string_inputs):
    check = _strings(*string_inputs)

    def dtype_fn(op):
        check(op)
        return [result(op) if callable(result) else result] * op.num_outputs
    return dtype_fn


STRING = dtypes.string

defop("StringJoin", ("*inputs",), attrs={"separator": ""}, shape_fn=broadcast_shape,
      dtype_fn=lambda op: _dtype(STRING, *range(len(op.inputs)))(op),
      doc="Elementwise concatenation of the inputs (scalars broadcast) with a separator.")
defop("StringLength", ("input",), attrs={"unit": "BYTE"}, shape_fn=same_shape,
      dtype_fn=_dtype(dtypes.int32, 0), doc="Length in bytes or UTF-8 characters.")
for _name in ("StringLower", "StringUpper"):
    defop(_name, ("input",), attrs={"encoding": ""}, shape_fn=same_shape, dtype_fn=_dtype(STRING, 0))
defop("StringStrip", ("input",), shape_fn=same_shape, dtype_fn=_dtype(STRING, 0),
      doc="Leading and trailing whitespace removed.")


def _reduce_join_shape(op):
    axis = op.attrs["axis"]
    return [reduced_shape(op.inputs[0].shape, axis, op.attrs["keep_dims"])]


defop("ReduceJoin", ("inputs",), attrs={"axis": None, "keep_dims": False, "separator": ""},
      shape_fn=_reduce_join_shape, dtype_fn=_dtype(STRING, 0),
      doc="Join strings over `axis` (all when None), in order.")
defop("RegexFullMatch", ("input",), attrs={"pattern": ""}, shape_fn=same_shape,
      dtype_fn=_dtype(dtypes.bool_, 0))
defop("RegexReplace", ("input",), attrs={"pattern": "", "rewrite": "", "replace_global": True},
      shape_fn=same_shape, dtype_fn=_dtype(STRING, 0))
defop("Substr", ("input", "pos", "len"), attrs={"unit": "BYTE"}, shape_fn=broadcast_shape,
      dtype_fn=_dtype(STRING, 0), doc="Substrings [pos, pos + len) (negative pos: from the end).")
defop("StringToNumber", ("string_tensor",), attrs={"out_type": dtypes.float32}, shape_fn=same_shape,
      dtype_fn=_dtype(lambda op: op.attrs["out_type"], 0))
defop("AsString", ("input",), attrs={"precision": -1, "scientific": False, "shortest": False,
                                     "width": -1, "fill": ""},
      shape_fn=same_shape, dtype_fn=lambda op: [STRING],
      doc="Numbers and bools formatted as strings (printf's %d, %f, %e, %g).")
defop("StringToHashBucketStrong", ("input",), attrs={"num_buckets": 1, "key": (0, 0)},
      shape_fn=same_shape, dtype_fn=_dtype(dtypes.int64, 0),
      doc="SipHash-2-4 of each string keyed by `key`, modulo num_buckets (TF's numbers).")
defop("StringFormat", ("*inputs",), attrs={"template": "{}", "placeholder": "{}", "summarize": 3},
      shape_fn=lambda op: [TensorShape(())], dtype_fn=lambda op: [STRING],
      doc="A scalar string: the template with each placeholder replaced by a tensor's summary.")
defop("UnicodeEncode", ("input",), attrs={"output_encoding": "UTF-8", "errors": "replace",
                                          "replacement_char": 0xFFFD},
      shape_fn=lambda op: [TensorShape(None) if op.inputs[0].shape.ndims is None
                           else TensorShape(op.inputs[0].shape.as_tuple()[:-1])],
      dtype_fn=lambda op: [STRING], doc="Strings from code points in the last dimension.")
defop("UnicodeTranscode", ("input",), attrs={"input_encoding": "UTF-8", "output_encoding": "UTF-8",
                                             "errors": "replace", "replacement_char": 0xFFFD,
                                             "replace_control_characters": False},
      shape_fn=same_shape, dtype_fn=_dtype(STRING, 0))


def _ngrams_shape(op):
    dims = op.inputs[0].shape.as_tuple()
    if dims is None or dims[-1] is None:
        return [TensorShape(None) if dims is None else TensorShape(dims[:-1] + (None,))]
    width, pad = op.attrs["ngram_width"], op.attrs["pad_width"]
    count = max(0, dims[-1] + 2 * pad - width + 1)
    if count == 0 and op.attrs["preserve_short"] and dims[-1] > 0:
        count = 1
    return [TensorShape(dims[:-1] + (count,))]


defop("StringNGrams", ("data",), attrs={"ngram_width": 1, "separator": " ", "pad_width": 0,
                                        "left_pad": "", "right_pad": "", "preserve_short": False},
      shape_fn=_ngrams_shape, dtype_fn=_dtype(STRING, 0),
      doc="The ngrams of the last dimension, joined with separator.")


def _segment_join_shape(op):
    data, ids = op.inputs[0].shape.as_tuple(), op.inputs[1].shape.as_tuple()
    n = constant_value(op.inputs[2])
    if data is None or ids is None:
        return [TensorShape(None)]
    return [TensorShape((None if n is None else int(n),) + data[len(ids):])]


defop("UnsortedSegmentJoin", ("inputs", "segment_ids", "num_segments"), attrs={"separator": ""},
      shape_fn=_segment_join_shape, dtype_fn=_dtype(STRING, 0))
not_differentiable("StringJoin", "StringLength", "StringLower", "StringUpper", "StringStrip",
                   "ReduceJoin", "RegexFullMatch", "RegexReplace", "Substr", "StringToNumber",
                   "AsString", "StringToHashBucketStrong", "StringFormat", "UnicodeEncode",
                   "UnicodeTranscode", "StringNGrams", "UnsortedSegmentJoin")


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type).outputs[0]


def _s(x):
    return convert_to_tensor(x)


def _unit(unit):
    if unit not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {unit!r}")
    return unit


def join(inputs, separator="", name=None):
    """Elementwise concatenation: ``join([["a", "b"], "!"])`` is ``["a!", "b!"]``."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise ValueError("join needs a non-empty list of string tensors")
    return _op("StringJoin", [_s(t) for t in inputs], {"separator": separator}, name)


def string_join(inputs, separator="", name=None):
    return join(inputs, separator=separator, name=name)


def length(input, name=None, unit="BYTE"):  # noqa: A002
    return _op("StringLength", [_s(input)], {"unit": _unit(unit)}, name)


def lower(input, encoding="", name=None):  # noqa: A002
    return _op("StringLower", [_s(input)], {"encoding": encoding}, name)


def upper(input, encoding="", name=None):  # noqa: A002
    return _op("StringUpper", [_s(input)], {"encoding": encoding}, name)


def strip(input, name=None):  # noqa: A002
    return _op("StringStrip", [_s(input)], None, name)


def reduce_join(inputs, axis=None, keep_dims=None, separator="", name=None,
                reduction_indices=None, keepdims=None):
    """Join the strings over ``axis`` (every axis when None)."""
    axis = reduction_indices if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    x = _s(inputs)
    if axis is not None:
        from tensorflux.ops.shape_fns import normalize_axis
        axes = [axis] if isinstance(axis, int) else list(axis)
        ndims = x.shape.ndims
        axis = tuple(normalize_axis(int(a), ndims) for a in axes)
    return _op("ReduceJoin", [x], {"axis": axis, "keep_dims": keep, "separator": separator}, name)


def _check_regex(pattern):
    import re
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"Invalid regular expression {pattern!r}: {exc}") from None
    return pattern


def _static_string(value, what):
    if hasattr(value, "op"):
        v = constant_value(value)
        if v is None:
            raise ValueError(f"{what} must be known when the graph is built")
        value = v.item() if hasattr(v, "item") else v
    return value.decode() if isinstance(value, bytes) else str(value)


def regex_full_match(input, pattern, name=None):  # noqa: A002
    """Whether each whole string matches ``pattern``."""
    pattern = _check_regex(_static_string(pattern, "regex_full_match: pattern"))
    return _op("RegexFullMatch", [_s(input)], {"pattern": pattern}, name)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002
    """Replace the matches of ``pattern`` (all of them, or the first) by ``rewrite``
    (``\\1`` refers to a group)."""
    pattern = _check_regex(_static_string(pattern, "regex_replace: pattern"))
    rewrite = _static_string(rewrite, "regex_replace: rewrite")
    return _op("RegexReplace", [_s(input)], {"pattern": pattern, "rewrite": rewrite,
                                             "replace_global": bool(replace_global)}, name)


def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002
    """Substrings starting at ``pos`` of ``len`` bytes (or UTF-8 characters)."""
    p = convert_to_tensor(pos)
    n = convert_to_tensor(len, dtype=p.dtype if not hasattr(len, "op") else None)
    if not p.dtype.is_integer or p.dtype != n.dtype:
        raise TypeError(f"substr: pos and len must be integers of one dtype, got {p.dtype.name} "
                        f"and {n.dtype.name}")
    return _op("Substr", [_s(input), p, n], {"unit": _unit(unit)}, name)


def to_number(string_tensor, out_type=dtypes.float32, name=None):
    out_type = dtypes.as_dtype(out_type)
    if out_type not in (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64):
        raise TypeError(f"to_number: out_type must be float32, float64, int32 or int64, got {out_type.name}")
    return _op("StringToNumber", [_s(string_tensor)], {"out_type": out_type}, name)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="",  # noqa: A002
              name=None):
    x = convert_to_tensor(input)
    if x.dtype == dtypes.string or x.dtype.is_complex:
        raise TypeError(f"as_string needs a number or bool tensor, got {x.dtype.name}")
    if scientific and shortest:
        raise ValueError("as_string: cannot select both scientific and shortest notation")
    if len(fill) > 1:
        raise ValueError(f"as_string: fill must be at most one character, got {fill!r}")
    if (precision > -1 or scientific or shortest) and not x.dtype.is_floating:
        raise ValueError("as_string: precision, scientific and shortest apply to floats only")
    return _op("AsString", [x], {"precision": int(precision), "scientific": bool(scientific),
                                 "shortest": bool(shortest), "width": int(width), "fill": fill}, name)


def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """SipHash-2-4 of each string with the 128-bit ``key`` (two ints), modulo num_buckets."""
    if num_buckets < 1:
        raise ValueError(f"num_buckets must be >= 1, got {num_buckets}")
    if len(key) != 2:
        raise ValueError(f"key must be a list of two ints, got {key!r}")
    return _op("StringToHashBucketStrong", [_s(input)],
               {"num_buckets": int(num_buckets), "key": tuple(int(k) for k in key)}, name)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001
    """``template`` with each ``placeholder`` replaced by a summary of one of ``inputs``
    (the first and last ``summarize`` entries of each dimension, like tf.print)."""
    tensors = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if template.count(placeholder) != len(tensors):
        raise ValueError(f"format: {len(tensors)} tensors given but the template has "
                         f"{template.count(placeholder)} placeholders {placeholder!r}")
    return _op("StringFormat", [convert_to_tensor(t) for t in tensors],
               {"template": template, "placeholder": placeholder, "summarize": int(summarize)}, name)


_ENCODINGS = ("UTF-8", "UTF-16-BE", "UTF-32-BE")


def _encoding(value, what):
    if value not in _ENCODINGS:
        raise ValueError(f"{what} must be one of {_ENCODINGS}, got {value!r}")
    return value


def _errors(value):
    if value not in ("strict", "replace", "ignore"):
        raise ValueError(f"errors must be 'strict', 'replace' or 'ignore', got {value!r}")
    return value


def unicode_encode(input, output_encoding, errors="replace", replacement_char=65533, name=None):  # noqa: A002
    """Strings encoded from the int32 code points in the last dimension of ``input``."""
    x = convert_to_tensor(input)
    if x.dtype != dtypes.int32:
        raise TypeError(f"unicode_encode needs int32 code points, got {x.dtype.name}")
    if x.shape.ndims == 0:
        raise ValueError("unicode_encode needs code points of rank >= 1")
    return _op("UnicodeEncode", [x], {"output_encoding": _encoding(output_encoding, "output_encoding"),
                                      "errors": _errors(errors),
                                      "replacement_char": int(replacement_char)}, name)


def unicode_transcode(input, input_encoding, output_encoding, errors="replace",  # noqa: A002
                      replacement_char=65533, replace_control_characters=False, name=None):
    return _op("UnicodeTranscode", [_s(input)],
               {"input_encoding": _encoding(input_encoding, "input_encoding"),
                "output_encoding": _encoding(output_encoding, "output_encoding"),
                "errors": _errors(errors), "replacement_char": int(replacement_char),
                "replace_control_characters": bool(replace_control_characters)}, name)


def ngrams(data, ngram_width, separator=" ", pad_values=None, padding_width=None,
           preserve_short_sequences=False, name=None):
    """The ``ngram_width``-grams of the last dimension of ``data``, joined by separator
    (optionally padded with pad_values on both sides)."""
    if not isinstance(ngram_width, int) or ngram_width < 1:
        raise ValueError(f"ngram_width must be a positive int, got {ngram_width!r}")
    left = right = ""
    if pad_values is not None:
        left, right = (pad_values, pad_values) if isinstance(pad_values, (str, bytes)) else pad_values
    pad = 0 if pad_values is None else (ngram_width - 1 if padding_width is None else int(padding_width))
    as_str = [v.decode() if isinstance(v, bytes) else v for v in (left, right)]
    x = _s(data)
    if x.shape.ndims == 0:
        raise ValueError("ngrams needs data of rank >= 1")
    return _op("StringNGrams", [x], {"ngram_width": ngram_width, "separator": separator,
                                     "pad_width": pad, "left_pad": as_str[0], "right_pad": as_str[1],
                                     "preserve_short": bool(preserve_short_sequences)}, name)


def unsorted_segment_join(inputs, segment_ids, num_segments, separator="", name=None):
    """Join the strings of each segment (in order; empty for an empty segment)."""
    ids = convert_to_tensor(segment_ids)
    n = convert_to_tensor(num_segments)
    if not ids.dtype.is_integer or not n.dtype.is_integer:
        raise TypeError("unsorted_segment_join: segment_ids and num_segments must be integers")
    return _op("UnsortedSegmentJoin", [_s(inputs), ids, n], {"separator": separator}, name)
