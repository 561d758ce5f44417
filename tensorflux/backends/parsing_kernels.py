"""Host kernels of the parsing ops: Example protos, raw bytes and CSV lines."""
from __future__ import annotations

import csv

import numpy as np

from tensorflux.core import dtypes, errors

_KIND = {"float32": "float_list", "int64": "int64_list", "string": "bytes_list"}


def _bad(op, message):
    return errors.InvalidArgumentError(None, op, message)


def feature_values(op, example_index, features, key, dtype):
    """The values of one feature of one Example as a 1-D array, or None if absent."""
    feature = features.get(key)
    if feature is None:
        return None
    kind = feature.WhichOneof("kind")
    if kind is None:
        return None
    if kind != _KIND[dtype.name]:
        raise _bad(op, f"Name: <example {example_index}>, Feature: {key}. Data types don't match. "
                       f"Data type: {kind.replace('_list', '')} but expected type: {dtype.name}")
    values = getattr(feature, kind).value
    if dtype == dtypes.string:
        return dtypes.as_bytes_array(list(values)).reshape(-1)
    return np.asarray(values, dtype=dtype.np_dtype)


def _parse_example(op, ctx):
    from tensorflux.serialization.example_pb import Example
    from google.protobuf.message import DecodeError
    sparse, dense = op.attrs["sparse"], op.attrs["dense"]
    empty = empty_arrays({t for _, t in sparse} | {t for _, t, *_ in dense})

    def parse(serialized):
        single = serialized.ndim == 0
        records = serialized.reshape(-1)
        examples = []
        for i, record in enumerate(records):
            try:
                examples.append(Example.FromString(bytes(record)).features.feature)
            except DecodeError:
                raise _bad(op, f"Could not parse example input {i}, value: {bytes(record)[:40]!r}") from None
        outputs = sparse_outputs(op, examples, sparse, single, empty)
        for key, dtype, shape, default, sequence in dense:
            outputs.append(dense_output(op, examples, key, dtype, shape, default, sequence, single, empty))
        return tuple(outputs)
    return parse


def empty_arrays(dtypes_):
    """A 0-length array of each dtype (object arrays for strings)."""
    return {d: np.empty(0, d.np_dtype if d != dtypes.string else object) for d in dtypes_}


def ragged_to_sparse(parts, empty, single):
    """(indices, values, dense_shape) of a SparseTensor whose row ``i`` holds the values
    ``parts[i]`` (indices (i, j); for ``single`` one row, indices (j,))."""
    counts = [len(p) for p in parts]
    rows = np.repeat(np.arange(len(parts), dtype=np.int64), counts)
    cols = np.concatenate([np.arange(c, dtype=np.int64) for c in counts]) if parts else rows
    longest = max(counts, default=0)
    values = np.concatenate(parts) if parts else empty
    if single:
        return cols.reshape(-1, 1), values, np.array([longest], np.int64)
    return np.stack([rows, cols], 1), values, np.array([len(parts), longest], np.int64)


def sparse_outputs(op, examples, sparse, single, empty):
    """The VarLenFeature outputs for ``examples`` (feature maps): all indices, then all
    values, then all dense shapes."""
    triples = []
    for key, dtype in sparse:
        parts = [feature_values(op, i, f, key, dtype) for i, f in enumerate(examples)]
        triples.append(ragged_to_sparse([empty[dtype] if p is None else p for p in parts],
                                        empty[dtype], single))
    return [t[k] for k in range(3) for t in triples]


def dense_output(op, examples, key, dtype, shape, default, sequence, single, empty):
    size = int(np.prod(shape))
    rows = []
    for i, features in enumerate(examples):
        values = feature_values(op, i, features, key, dtype)
        if values is None:
            if sequence:
                values = empty[dtype]
            elif default is None:
                raise _bad(op, f"Name: <example {i}>, Feature: {key} (data type: {dtype.name}) is "
                               f"required but could not be found.")
            else:
                values = default.reshape(-1)
        if sequence:
            if size == 0 or len(values) % size:
                raise _bad(op, f"Name: <example {i}>, Key: {key}, Index: 0. Number of values "
                               f"{len(values)} is not a multiple of the item size {size} (shape {list(shape)})")
        elif len(values) != size:
            raise _bad(op, f"Name: <example {i}>, Key: {key}, Index: 0. Number of {dtype.name} "
                           f"values != expected. Values size: {len(values)} but output shape: {list(shape)}")
        rows.append(values.reshape((-1,) + tuple(shape)) if sequence else values.reshape(shape))
    if sequence:
        longest = max((len(r) for r in rows), default=0)
        if default is None and any(len(r) < longest for r in rows):
            raise _bad(op, f"Key: {key}. examples have different numbers of items and the "
                           f"feature has no default_value to pad with")
        out = np.empty((len(rows), longest) + tuple(shape), dtype=empty[dtype].dtype)
        out[...] = default if default is not None else 0
        for i, r in enumerate(rows):
            out[i, :len(r)] = r
    else:
        out = np.stack(rows) if rows else np.empty((0,) + tuple(shape), empty[dtype].dtype)
    return out.reshape(out.shape[1:]) if single else out


def _decode_raw(op, ctx):
    dtype = np.dtype(op.attrs["out_type"].np_dtype).newbyteorder("<" if op.attrs["little_endian"] else ">")
    native = np.dtype(op.attrs["out_type"].np_dtype)

    def run(data):
        flat = [bytes(b) for b in data.reshape(-1)]
        width = len(flat[0]) if flat else 0
        if width % dtype.itemsize:
            raise _bad(op, f"Input to DecodeRaw has length {width} that is not a multiple of "
                           f"{dtype.itemsize}, the size of {op.attrs['out_type'].name}")
        for i, b in enumerate(flat):
            if len(b) != width:
                raise _bad(op, f"DecodeRaw requires input strings to all be the same size, but "
                               f"element {i} has size {len(b)} != {width}")
        n = width // dtype.itemsize
        out = np.frombuffer(b"".join(flat), dtype=dtype).astype(native)
        return out.reshape(data.shape + (n,))
    return run


def _decode_csv(op, ctx):
    defaults = op.attrs["defaults"]
    delim, quoting = op.attrs["field_delim"], op.attrs["use_quote_delim"]
    na_value, select = op.attrs["na_value"], op.attrs["select_cols"]
    want = len(defaults) if select is None else None

    def convert(text, col, i, record):
        dtype, default = defaults[col]
        if text == "" or text == na_value:
            if default is None:
                raise _bad(op, f"Field {col} is required but missing in record {i}: {record!r}")
            return default
        if dtype == dtypes.string:
            return text.encode()
        try:
            value = int(text) if dtype.is_integer else float(text)
        except ValueError:
            raise _bad(op, f"Field {col} in record {i} is not a valid {dtype.name}: {text!r} "
                           f"(record {record!r})") from None
        if dtype.is_integer and not np.iinfo(dtype.np_dtype).min <= value <= np.iinfo(dtype.np_dtype).max:
            raise _bad(op, f"Field {col} in record {i} is out of range for {dtype.name}: {text!r}")
        return value

    def run(records):
        flat = records.reshape(-1)
        columns = [[] for _ in defaults]
        for i, raw in enumerate(flat):
            record = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            try:
                fields = next(csv.reader([record], delimiter=delim, strict=True,
                                         quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE))
            except (csv.Error, StopIteration) as exc:
                if record == "":
                    fields = [""]
                else:
                    raise _bad(op, f"Record {i} is not valid CSV ({exc}): {record!r}") from None
            if want is not None and len(fields) != want:
                raise _bad(op, f"Expect {want} fields but have {len(fields)} in record {i}: {record!r}")
            picked = fields if select is None else [fields[c] for c in select if c < len(fields)]
            if len(picked) != len(defaults):
                raise _bad(op, f"Expect at least {select[-1] + 1} fields but have {len(fields)} "
                               f"in record {i}: {record!r}")
            for col, text in enumerate(picked):
                columns[col].append(convert(text, col, i, record))
        outs = []
        for (dtype, _), values in zip(defaults, columns):
            arr = (dtypes.as_bytes_array(values) if dtype == dtypes.string
                   else np.asarray(values, dtype=dtype.np_dtype))
            outs.append(arr.reshape(records.shape))
        return tuple(outs)
    return run


KERNELS = {"ParseExample": _parse_example, "DecodeRaw": _decode_raw, "DecodeCSV": _decode_csv}
