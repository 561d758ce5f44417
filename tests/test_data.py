"""tf.data in graph mode: datasets, transformations and iterators against plain
Python / NumPy references and TF1's documented semantics."""
import gzip
import json
import os
import threading
import time
import warnings
import zlib

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.testing import backend_context, backends_to_test

BACKENDS = backends_to_test()
GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "tensorflow")


def drain(tensors, sess=None, feed_dict=None):
    """Every value ``tensors`` take until OutOfRangeError (and the end stays the end)."""
    sess = sess or tf.Session()
    out = []
    while True:
        try:
            out.append(sess.run(tensors, feed_dict))
        except tf.errors.OutOfRangeError:
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(tensors, feed_dict)
            return out


def elements(dataset):
    return drain(dataset.make_one_shot_iterator().get_next())


def ints(values):
    return [int(v) for v in values]


# --- sources -------------------------------------------------------------------------
def test_from_tensor_slices_of_tuples_and_dicts_keeps_the_structure():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    labels = np.array([1, 0, 1, 1])
    ds = tf.data.Dataset.from_tensor_slices(({"x": x, "name": ["a", "b", "c", "d"]}, labels))
    assert ds.output_types == ({"x": tf.float32, "name": tf.string}, tf.int64)
    assert ds.output_shapes == ({"x": tf.TensorShape([3]), "name": tf.TensorShape([])},
                                tf.TensorShape([]))
    assert tf.data.get_output_types(ds) == ds.output_types
    assert tf.data.get_output_shapes(ds) == ds.output_shapes
    assert tf.data.get_output_classes(ds) == ({"x": tf.Tensor, "name": tf.Tensor}, tf.Tensor)
    assert ds.element_spec[1] == tf.TensorSpec([], tf.int64)
    got = elements(ds)
    assert len(got) == 4
    for i, (features, label) in enumerate(got):
        np.testing.assert_array_equal(features["x"], x[i])
        assert features["name"] == "abcd"[i].encode() and label == labels[i]


def test_a_list_is_one_tensor_and_a_tuple_is_structure():
    assert tf.data.Dataset.from_tensor_slices([1, 2, 3]).output_types == tf.int32
    assert ints(elements(tf.data.Dataset.from_tensor_slices([1, 2, 3]))) == [1, 2, 3]
    pairs = elements(tf.data.Dataset.from_tensor_slices(([1, 2], [3.0, 4.0])))
    assert [(int(a), float(b)) for a, b in pairs] == [(1, 3.0), (2, 4.0)]


def test_from_tensors_is_one_element():
    got = elements(tf.data.Dataset.from_tensors((np.arange(3), "s")))
    assert len(got) == 1
    np.testing.assert_array_equal(got[0][0], [0, 1, 2])
    assert got[0][1] == b"s"


def test_slices_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same size in their first dimension"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    a, b = tf.placeholder(tf.float32, [None]), tf.placeholder(tf.float32, [None])
    it = tf.data.Dataset.from_tensor_slices((a, b)).make_initializable_iterator()
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="same size"):
        sess.run(it.initializer, {a: np.zeros(3), b: np.zeros(4)})


@pytest.mark.parametrize("args", [(5,), (2, 7), (10, 0, -3), (3, 3), (0, 10, 4)])
def test_range_is_pythons_range_of_int64(args):
    ds = tf.data.Dataset.range(*args)
    assert ds.output_types == tf.int64 and ds.output_shapes == tf.TensorShape([])
    assert ints(elements(ds)) == list(range(*args))
    assert ints(np.concatenate(elements(ds.batch(2))) if range(*args) else []) == list(range(*args))


def test_zip_and_concatenate():
    a, b = tf.data.Dataset.range(5), tf.data.Dataset.range(10, 13)
    zipped = tf.data.Dataset.zip({"a": a, "b": (b, a.map(lambda x: x * 2))})
    assert zipped.output_types == {"a": tf.int64, "b": (tf.int64, tf.int64)}
    got = elements(zipped)
    assert [(int(e["a"]), int(e["b"][0]), int(e["b"][1])) for e in got] == \
        [(0, 10, 0), (1, 11, 2), (2, 12, 4)]
    joined = tf.data.Dataset.range(3).concatenate(tf.data.Dataset.range(7, 9))
    assert ints(elements(joined)) == [0, 1, 2, 7, 8]
    fixed = tf.data.Dataset.from_tensors(np.zeros(2))
    other = tf.data.Dataset.from_tensors(np.zeros(3))
    assert fixed.concatenate(other).output_shapes.as_list() == [None]
    with pytest.raises(TypeError, match="different types"):
        fixed.concatenate(tf.data.Dataset.range(2))
    with pytest.raises(TypeError, match="structure of `Dataset` objects"):
        tf.data.Dataset.zip((a, [1, 2]))


def test_from_generator_converts_and_checks_what_it_yields():
    def gen(n):
        for i in range(n):
            yield i, [float(i)] * i

    ds = tf.data.Dataset.from_generator(gen, (tf.int64, tf.float32),
                                        (tf.TensorShape([]), tf.TensorShape([None])), args=(3,))
    assert ds.output_shapes == (tf.TensorShape([]), tf.TensorShape([None]))
    got = elements(ds.repeat(2))  # the generator is called again for each pass
    assert [int(i) for i, _ in got] == [0, 1, 2, 0, 1, 2]
    assert [v.tolist() for _, v in got] == [[], [1.0], [2.0, 2.0]] * 2
    assert got[2][1].dtype == np.float32

    bad_shape = tf.data.Dataset.from_generator(lambda: iter([[1, 2, 3]]), tf.int32, [2])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \(3,\) where an element of shape \(2,\)"):
        elements(bad_shape)
    bad_type = tf.data.Dataset.from_generator(lambda: iter(["x"]), tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="could not be converted"):
        elements(bad_type)
    bad_structure = tf.data.Dataset.from_generator(lambda: iter([1]), (tf.int32, tf.int32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="did not match the expected structure"):
        elements(bad_structure)

    def failing():
        yield 1
        raise ValueError("broken source")
    with pytest.raises(tf.errors.InvalidArgumentError, match="broken source.*failing"):
        elements(tf.data.Dataset.from_generator(failing, tf.int32))
    with pytest.raises(TypeError, match="must be callable"):
        tf.data.Dataset.from_generator([1, 2], tf.int32)


# --- map, filter, flat_map, interleave ---------------------------------------------------
def test_map_unpacks_tuples_and_passes_dicts_whole():
    ds = tf.data.Dataset.from_tensor_slices((np.arange(4), np.arange(4) * 10.0))
    summed = ds.map(lambda a, b: tf.cast(a, tf.float64) + b)
    assert [float(v) for v in elements(summed)] == [0.0, 11.0, 22.0, 33.0]
    as_dict = ds.map(lambda a, b: {"a": a, "twice": [b, b]})  # a nested list is one tensor
    assert as_dict.output_shapes == {"a": tf.TensorShape([]), "twice": tf.TensorShape([2])}
    got = elements(as_dict.map(lambda d: d["twice"][1] - tf.cast(d["a"], tf.float64)))
    assert [float(v) for v in got] == [0.0, 9.0, 18.0, 27.0]
    listed = ds.map(lambda a, b: [a, b])  # a list of tensors is a tuple, as in TF1
    assert listed.output_types == (tf.int64, tf.float64)
    constant = ds.map(lambda a, b: 7)
    assert constant.output_types == tf.int32 and ints(elements(constant)) == [7] * 4


def test_map_captures_outer_tensors_by_value_when_the_iterator_starts():
    scale = tf.placeholder(tf.int64, [])
    offset = tf.Variable(np.int64(100))
    ds = tf.data.Dataset.range(3).map(lambda x: x * scale + offset)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(it.initializer, {scale: 2})
        assert sess.run(nxt) == 100
        sess.run(offset.assign(200))  # the value captured at initialization stays
        assert ints(drain(nxt, sess)) == [102, 104]
        sess.run(it.initializer, {scale: 5})  # new feeds and values, new pass
        assert ints(drain(nxt, sess)) == [200, 205, 210]


@pytest.mark.parametrize("fn, match", [
    (lambda x: None, "Unsupported return value"),
    (lambda x: tf.no_op(), "Unsupported return value"),
    (lambda x: object(), "cannot convert"),
    (lambda x: tf.data.Dataset.range(2), "Unsupported return value"),
])
def test_map_function_returning_non_tensors_is_a_clear_type_error(fn, match):
    with pytest.raises(TypeError, match=match):
        tf.data.Dataset.range(3).map(fn)
    with pytest.raises(TypeError, match="callable"):
        tf.data.Dataset.range(3).map(3)


def test_filter_keeps_what_the_predicate_accepts():
    kept = tf.data.Dataset.range(20).filter(lambda x: tf.equal(x % 3, 0))
    assert ints(elements(kept)) == [x for x in range(20) if x % 3 == 0]
    with pytest.raises(ValueError, match="scalar boolean"):
        tf.data.Dataset.range(3).filter(lambda x: x)
    with pytest.raises(ValueError, match="scalar boolean"):
        tf.data.Dataset.range(3).filter(lambda x: tf.fill([2], True))


def test_flat_map_and_interleave_follow_tf1s_order():
    flat = tf.data.Dataset.range(4).flat_map(lambda x: tf.data.Dataset.range(x).map(lambda y: y + 10 * x))
    assert ints(elements(flat)) == [10 * x + y for x in range(4) for y in range(x)]
    # The example of TF1's Dataset.interleave documentation.
    mixed = tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    assert ints(elements(mixed)) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                     3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    with pytest.raises(TypeError, match="must return a tf.data.Dataset"):
        tf.data.Dataset.range(3).flat_map(lambda x: x)


def test_flat_map_function_capturing_a_placeholder():
    limit = tf.placeholder(tf.int64, [])
    ds = tf.data.Dataset.range(3).flat_map(lambda x: tf.data.Dataset.range(limit).map(lambda y: x * y))
    it = ds.make_initializable_iterator()
    with tf.Session() as sess:
        sess.run(it.initializer, {limit: 3})
        assert ints(drain(it.get_next(), sess)) == [x * y for x in range(3) for y in range(3)]


# --- batching ----------------------------------------------------------------------------
def test_batch_of_dicts_and_drop_remainder():
    x = np.arange(14, dtype=np.float32).reshape(7, 2)
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "i": np.arange(7)})
    batched = ds.batch(3)
    assert batched.output_shapes == {"x": tf.TensorShape([None, 2]), "i": tf.TensorShape([None])}
    got = elements(batched)
    assert [b["i"].tolist() for b in got] == [[0, 1, 2], [3, 4, 5], [6]]
    np.testing.assert_array_equal(got[1]["x"], x[3:6])
    dropped = ds.batch(3, drop_remainder=True)
    assert dropped.output_shapes["x"].as_list() == [3, 2]
    assert [b["i"].tolist() for b in elements(dropped)] == [[0, 1, 2], [3, 4, 5]]


def test_repeat_then_batch_crosses_epochs_and_batch_then_repeat_does_not():
    a = [b.tolist() for b in elements(tf.data.Dataset.range(5).repeat(2).batch(3))]
    assert a == [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4]]
    b = [b.tolist() for b in elements(tf.data.Dataset.range(5).batch(3).repeat(2))]
    assert b == [[0, 1, 2], [3, 4], [0, 1, 2], [3, 4]]
    assert elements(tf.data.Dataset.range(0).repeat()) == []  # an empty epoch ends it
    assert ints(elements(tf.data.Dataset.range(2).repeat(0))) == []


def test_batching_elements_of_different_shapes_names_the_component():
    ds = tf.data.Dataset.range(1, 4).map(lambda n: tf.range(tf.cast(n, tf.int32))).batch(3)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"different shapes in component 0.*\[1\].*element 1.*\[2\]"):
        elements(ds)


def test_padded_batch_pads_to_the_longest_or_the_given_shape():
    lengths = [3, 1, 4, 2, 0]
    ds = tf.data.Dataset.from_tensor_slices(np.array(lengths)).map(
        lambda n: (tf.fill(tf.reshape(n, [1]), n), tf.as_string(n)))
    batched = ds.padded_batch(2, padded_shapes=([None], []), padding_values=(-1, "pad"))
    assert batched.output_shapes == (tf.TensorShape([None, None]), tf.TensorShape([None]))
    got = elements(batched)
    for batch, (values, names) in zip([lengths[0:2], lengths[2:4], lengths[4:]], got):
        want = np.full((len(batch), max(batch)), -1)
        for j, n in enumerate(batch):
            want[j, :n] = n
        np.testing.assert_array_equal(values, want)
        assert names.tolist() == [str(n).encode() for n in batch]
    fixed = ds.padded_batch(2, padded_shapes=([5], []), drop_remainder=True)
    assert fixed.output_shapes[0].as_list() == [2, 5]
    first = elements(fixed)[0][0]
    np.testing.assert_array_equal(first, [[3, 3, 3, 0, 0], [1, 0, 0, 0, 0]])
    too_small = ds.padded_batch(2, padded_shapes=([2], []))
    with pytest.raises(tf.errors.InvalidArgumentError, match="pad to a smaller size"):
        elements(too_small)
    with pytest.raises(ValueError, match="not compatible"):
        tf.data.Dataset.from_tensors(np.zeros((2, 3))).padded_batch(2, [None])


def test_unbatch_is_the_inverse_of_batch():
    x = np.arange(10).reshape(5, 2)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(2).unbatch()
    assert ds.output_shapes.as_list() == [2]
    np.testing.assert_array_equal(np.stack(elements(ds)), x)
    rebatched = tf.data.Dataset.from_tensor_slices(x).batch(2).apply(tf.data.experimental.unbatch()).batch(4)
    np.testing.assert_array_equal(np.concatenate(elements(rebatched)), x)
    with pytest.raises(ValueError, match="scalar components"):
        tf.data.Dataset.range(3).unbatch()


# --- shuffle, counts -------------------------------------------------------------------------
def _shuffled(seed=None, graph_seed=None, buffer=5, n=20, epochs=1, reshuffle=None):
    with tf.Graph().as_default():
        if graph_seed is not None:
            tf.set_random_seed(graph_seed)
        ds = tf.data.Dataset.range(n).shuffle(buffer, seed=seed, reshuffle_each_iteration=reshuffle)
        return ints(elements(ds.repeat(epochs)))


def test_shuffle_is_a_permutation_within_the_buffers_reach():
    for buffer in (1, 3, 8, 50):
        order = _shuffled(buffer=buffer, n=30)
        assert sorted(order) == list(range(30))
        # An element can only come out once the buffer has reached it.
        assert all(x <= i + buffer - 1 for i, x in enumerate(order))
    assert _shuffled(buffer=1, n=10) == list(range(10))


def test_shuffle_seeds_follow_the_graph_and_op_seeds():
    assert _shuffled(seed=7) == _shuffled(seed=7)
    assert _shuffled(graph_seed=3) == _shuffled(graph_seed=3)
    assert _shuffled(seed=7) != _shuffled(seed=8)
    unseeded = [_shuffled() for _ in range(3)]
    assert len({tuple(o) for o in unseeded}) > 1


def test_reshuffle_each_iteration():
    again = _shuffled(seed=1, epochs=2, n=20, buffer=20)
    assert sorted(again[:20]) == sorted(again[20:]) == list(range(20))
    assert again[:20] != again[20:]
    same = _shuffled(seed=1, epochs=2, n=20, buffer=20, reshuffle=False)
    assert same[:20] == same[20:]


def test_reinitializing_a_seeded_shuffle_restarts_its_order():
    tf.set_random_seed(5)
    it = tf.data.Dataset.range(10).shuffle(10).make_initializable_iterator()
    with tf.Session() as sess:
        sess.run(it.initializer)
        first = ints(drain(it.get_next(), sess))
        sess.run(it.initializer)
        assert ints(drain(it.get_next(), sess)) == first


def test_take_skip_shard_enumerate():
    ds = tf.data.Dataset.range(10)
    assert ints(elements(ds.take(3))) == [0, 1, 2]
    assert ints(elements(ds.take(-1))) == list(range(10))
    assert ints(elements(ds.skip(7))) == [7, 8, 9]
    assert ints(elements(ds.skip(-1))) == []
    assert ints(elements(ds.repeat().skip(8).take(5))) == [8, 9, 0, 1, 2]
    assert ints(elements(ds.shard(3, 1))) == [1, 4, 7]
    pairs = elements(ds.skip(5).enumerate(start=100))
    assert [(int(i), int(x)) for i, x in pairs] == [(100, 5), (101, 6), (102, 7), (103, 8), (104, 9)]
    with pytest.raises(ValueError, match="index"):
        ds.shard(2, 2)


def test_cardinality_reduce_and_single_element():
    ds = tf.data.Dataset.range(10)
    sizes = [tf.data.experimental.cardinality(d) for d in
             (ds, ds.batch(3), ds.batch(3, drop_remainder=True), ds.repeat(), ds.repeat(3).take(4),
              ds.filter(lambda x: x > 3), ds.skip(4))]
    with tf.Session() as sess:
        assert sess.run(sizes) == [10, 4, 3, tf.data.INFINITE_CARDINALITY, 4,
                                   tf.data.UNKNOWN_CARDINALITY, 6]
        total, count = sess.run(ds.reduce((np.int64(0), 0), lambda s, x: (s[0] + x, s[1] + 1)))
        assert (total, count) == (45, 10)
        assert sess.run(tf.data.experimental.get_single_element(ds.skip(9))) == 9
        with pytest.raises(tf.errors.InvalidArgumentError, match="more than one"):
            sess.run(tf.data.experimental.get_single_element(ds))
    growing = tf.data.Dataset.range(3).reduce(tf.zeros([0], tf.int64),
                                              lambda s, x: tf.concat([s, [x]], 0))
    assert growing.shape.as_list() == [None]
    assert tf.Session().run(growing).tolist() == [0, 1, 2]


# --- prefetch, parallel map, cache ------------------------------------------------------------
def _pipeline(parallel, prefetch):
    def work(v):
        time.sleep(0.001 * (v % 3))  # uneven work: later calls may finish first
        return np.array([v, v * v], dtype=np.int64)
    ds = tf.data.Dataset.range(30).map(
        lambda x: tf.reshape(tf.py_func(work, [x], tf.int64), [2]), num_parallel_calls=parallel)
    ds = ds.shuffle(8, seed=3).batch(4)
    return ds.prefetch(prefetch) if prefetch else ds


def test_prefetch_and_parallel_map_keep_the_sequential_order():
    reference = [b.tolist() for b in elements(_pipeline(None, 0))]
    assert [b.tolist() for b in elements(_pipeline(4, 2))] == reference
    assert [b.tolist() for b in elements(_pipeline(tf.data.AUTOTUNE, tf.data.AUTOTUNE))] == reference
    assert sorted(r[0] for b in reference for r in b) == list(range(30))


def test_prefetch_works_ahead_on_another_thread():
    produced, threads = [], set()

    def record(x):
        produced.append(int(x))
        threads.add(threading.get_ident())
        return x
    ds = tf.data.Dataset.range(100).map(lambda x: tf.py_func(record, [x], tf.int64)).prefetch(5)
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == 0
        deadline = time.monotonic() + 10
        while len(produced) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(produced) >= 6  # the buffer refilled without further get_next runs
        assert threading.get_ident() not in threads


def test_parallel_map_runs_calls_at_once():
    inside, peak, lock = [0], [0], threading.Lock()

    def slow(x):
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.02)
        with lock:
            inside[0] -= 1
        return x
    ds = tf.data.Dataset.range(8).map(lambda x: tf.py_func(slow, [x], tf.int64), num_parallel_calls=4)
    assert ints(elements(ds)) == list(range(8))
    assert peak[0] > 1
    options = tf.data.Options()
    options.experimental_threading.private_threadpool_size = 1
    peak[0] = 0
    assert ints(elements(ds.with_options(options))) == list(range(8))
    assert peak[0] == 1


def test_memory_cache_computes_the_input_once():
    calls = []
    ds = tf.data.Dataset.range(4).map(
        lambda x: tf.py_func(lambda v: calls.append(int(v)) or v, [x], tf.int64)).cache()
    assert ints(elements(ds.repeat(3))) == [0, 1, 2, 3] * 3
    assert calls == [0, 1, 2, 3]


def test_file_cache_is_read_by_later_sessions_and_checked(tmp_path):
    calls = []
    prefix = str(tmp_path / "cache")
    ds = tf.data.Dataset.from_tensor_slices((np.arange(3.0), ["a", "bb", ""])).map(
        lambda x, s: (tf.py_func(lambda v: calls.append(float(v)) or v, [x], tf.float64), s)).cache(prefix)
    nxt = ds.make_one_shot_iterator().get_next()
    first = drain(nxt)
    second = drain(nxt)  # a new session reads the file
    assert calls == [0.0, 1.0, 2.0]
    assert [(float(a), b) for a, b in first] == [(0.0, b"a"), (1.0, b"bb"), (2.0, b"")] == \
        [(float(a), b) for a, b in second]
    assert os.listdir(tmp_path) == ["cache.tfdata-cache"]
    data = bytearray((tmp_path / "cache.tfdata-cache").read_bytes())
    data[-6] ^= 0xFF
    (tmp_path / "cache.tfdata-cache").write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="cache.tfdata-cache.*offset"):
        drain(nxt)
    other = tf.data.Dataset.range(2).cache(prefix)
    (tmp_path / "cache.tfdata-cache").unlink()
    drain(ds.make_one_shot_iterator().get_next())
    with pytest.raises(tf.errors.InvalidArgumentError, match="delete the cache file"):
        elements(other)


def test_an_unfinished_pass_leaves_no_cache_file(tmp_path):
    ds = tf.data.Dataset.range(10).cache(str(tmp_path / "c"))
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        sess.run(nxt)
    assert os.listdir(tmp_path) == []


# --- iterators ---------------------------------------------------------------------------
def test_get_next_before_initialization_and_after_the_end():
    it = tf.data.Dataset.range(2).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="not been initialized"):
            sess.run(nxt)
        sess.run(it.initializer)
        assert ints(drain(nxt, sess)) == [0, 1]
    with pytest.raises(ValueError, match="does not have an initializer"):
        tf.data.Dataset.range(2).make_one_shot_iterator().initializer


def test_initializable_iterator_reinitialized_with_new_feeds():
    x = tf.placeholder(tf.float32, [None, 2])
    batch = tf.placeholder(tf.int64, [])
    it = tf.data.make_initializable_iterator(tf.data.Dataset.from_tensor_slices(x).batch(batch))
    total = tf.reduce_sum(it.get_next(), axis=1)
    with tf.Session() as sess:
        data = np.arange(10, dtype=np.float32).reshape(5, 2)
        sess.run(it.initializer, {x: data, batch: 2})
        assert [v.tolist() for v in drain(total, sess)] == [[1, 5], [9, 13], [17]]
        sess.run(it.initializer, {x: data[:3] * 10, batch: 3})
        assert [v.tolist() for v in drain(total, sess)] == [[10, 50, 90]]
        data[:] = 0  # the fed array was copied when the iterator started
        sess.run(it.initializer, {x: np.ones((1, 2)), batch: 1})
        assert [v.tolist() for v in drain(total, sess)] == [[2]]


def test_from_structure_switches_between_training_and_validation():
    train = tf.data.Dataset.range(6).map(lambda x: (tf.cast(x, tf.float32), x)).batch(2)
    valid = tf.data.Dataset.range(100, 103).map(lambda x: (tf.cast(x, tf.float32), x)).batch(2)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    assert it.output_types == (tf.float32, tf.int64)
    train_init, valid_init = it.make_initializer(train), it.make_initializer(valid)
    _, labels = it.get_next()
    assert labels.shape.as_list() == [None]
    with tf.Session() as sess:
        for _ in range(2):
            sess.run(train_init)
            assert [v.tolist() for v in drain(labels, sess)] == [[0, 1], [2, 3], [4, 5]]
            sess.run(valid_init)
            assert [v.tolist() for v in drain(labels, sess)] == [[100, 101], [102]]


def test_mismatched_structures_are_build_time_errors_naming_both():
    it = tf.data.Iterator.from_structure((tf.int64, tf.float32), ([None], [None]))
    with pytest.raises(TypeError, match=r"structure tf\.int64.*structure \(tf\.int64, tf\.float32\)"):
        it.make_initializer(tf.data.Dataset.range(3))
    with pytest.raises(TypeError, match=r"types \(tf\.int64, tf\.float32\).*\(tf\.int64, tf\.int64\)"):
        it.make_initializer(tf.data.Dataset.zip((tf.data.Dataset.range(2),
                                                 tf.data.Dataset.range(2))).batch(2))
    with pytest.raises(TypeError, match=r"shapes compatible with \(\(\?,\), \(\?,\)\).*\(\(\), \(\)\)"):
        it.make_initializer(tf.data.Dataset.from_tensors((np.int64(1), np.float32(2))))
    with pytest.raises(ValueError, match="output_shapes.*does not match.*output_types"):
        tf.data.Iterator.from_structure((tf.int64, tf.float32), [None])
    with pytest.raises(ValueError, match="placeholder"):
        tf.data.Dataset.from_tensor_slices(tf.placeholder(tf.float32, [None])).make_one_shot_iterator()


def test_iterator_state_is_per_session():
    nxt = tf.data.make_one_shot_iterator(tf.data.Dataset.range(4)).get_next()
    with tf.Session() as a, tf.Session() as b:
        assert [a.run(nxt), a.run(nxt), b.run(nxt), a.run(nxt), b.run(nxt)] == [0, 1, 0, 2, 1]


def test_feedable_iterator_from_string_handle():
    train = tf.data.Dataset.range(100).make_one_shot_iterator()
    valid = tf.data.Dataset.range(5, 8).make_initializable_iterator()
    handle = tf.placeholder(tf.string, [])
    it = tf.data.Iterator.from_string_handle(handle, train.output_types, train.output_shapes)
    nxt = it.get_next()
    with tf.Session() as sess:
        h_train, h_valid = sess.run([train.string_handle(), valid.string_handle()])
        sess.run(valid.initializer)
        assert [sess.run(nxt, {handle: h}) for h in (h_train, h_train, h_valid, h_train)] == [0, 1, 5, 2]
        wrong = tf.data.Iterator.from_string_handle(handle, tf.float32).get_next()
        with pytest.raises(tf.errors.InvalidArgumentError, match="int64.*float32"):
            sess.run(wrong, {handle: h_train})


def test_iterating_in_python_is_refused_but_as_numpy_iterator_works():
    ds = tf.data.Dataset.from_tensor_slices({"a": [1, 2]})
    with pytest.raises(RuntimeError, match="eager"):
        iter(ds)
    got = list(ds.as_numpy_iterator())
    assert got == [{"a": 1}, {"a": 2}]
    assert isinstance(ds.as_numpy_iterator(), tf.data.NumpyIterator)


def test_errors_inside_the_pipeline_name_the_op_and_the_iterator_goes_on():
    def check(v):
        if v == 2:
            raise ValueError("two is not allowed")
        return v
    ds = tf.data.Dataset.range(5).map(lambda x: tf.py_func(check, [x], tf.int64))
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert [sess.run(nxt), sess.run(nxt)] == [0, 1]
        with pytest.raises(tf.errors.InvalidArgumentError, match="two is not allowed") as info:
            sess.run(nxt)
        assert info.value.op.type == "PyFunc"
        assert [sess.run(nxt), sess.run(nxt)] == [3, 4]
    skipped = ds.apply(tf.data.experimental.ignore_errors())
    assert ints(elements(skipped)) == [0, 1, 3, 4]


def test_a_blocked_get_next_honours_the_run_deadline():
    release = threading.Event()

    def wait():
        release.wait(10)
        yield 1
    nxt = tf.data.Dataset.from_generator(wait, tf.int64).prefetch(1).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(nxt, options=tf.RunOptions(timeout_in_ms=100))
        release.set()
        assert sess.run(nxt) == 1


# --- files -------------------------------------------------------------------------------
def test_text_line_dataset_plain_and_compressed(tmp_path):
    lines = ["first", "second,with,commas", "", "crlf"]
    (tmp_path / "a.txt").write_bytes(b"first\nsecond,with,commas\n\ncrlf\r\n")
    with gzip.open(tmp_path / "b.txt.gz", "wb") as f:
        f.write(b"g1\ng2")
    (tmp_path / "c.txt.z").write_bytes(zlib.compress(b"z1\nz2\n"))
    got = elements(tf.data.TextLineDataset(str(tmp_path / "a.txt")))
    assert got == [s.encode() for s in lines]
    assert elements(tf.data.TextLineDataset([str(tmp_path / "b.txt.gz")], "GZIP")) == [b"g1", b"g2"]
    assert elements(tf.data.TextLineDataset(str(tmp_path / "c.txt.z"), compression_type="ZLIB")) == [b"z1", b"z2"]
    names = tf.placeholder(tf.string, [None])
    it = tf.data.TextLineDataset(names).skip(1).make_initializable_iterator()
    with tf.Session() as sess:
        sess.run(it.initializer, {names: [str(tmp_path / "a.txt"), str(tmp_path / "a.txt")]})
        assert len(drain(it.get_next(), sess)) == 7
        sess.run(it.initializer, {names: [str(tmp_path / "missing.txt")]})
        with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
            sess.run(it.get_next())
    with pytest.raises(ValueError, match="compression_type"):
        tf.data.TextLineDataset("x", compression_type="BZ2")


def test_csv_line_with_the_wrong_number_of_fields_names_the_line(tmp_path):
    (tmp_path / "data.csv").write_text("1,2.5,a\n2,3.5,b\n3,oops\n")
    ds = tf.data.TextLineDataset(str(tmp_path / "data.csv")).map(
        lambda line: tf.decode_csv(line, [[0], [0.0], [""]]))
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert [int(sess.run(nxt)[0]) for _ in range(2)] == [1, 2]
        with pytest.raises(tf.errors.InvalidArgumentError, match="Expect 3 fields but have 2.*3,oops"):
            sess.run(nxt)


RECORDS = [bytes.fromhex(r) for r in json.load(open(os.path.join(GOLDEN, "expected.json")))["records"]]


@pytest.mark.parametrize("name, compression", [("examples.tfrecord", None),
                                               ("examples.tfrecord.gz", "GZIP"),
                                               ("examples.tfrecord.zlib", "ZLIB")])
def test_tfrecord_dataset_reads_files_written_by_tensorflow(name, compression):
    ds = tf.data.TFRecordDataset(os.path.join(GOLDEN, name), compression_type=compression)
    assert ds.output_types == tf.string and ds.output_shapes == tf.TensorShape([])
    assert elements(ds) == RECORDS
    parsed = ds.map(lambda r: tf.parse_single_example(r, {"id": tf.VarLenFeature(tf.int64)})["id"].values)
    assert [v.tolist() for v in elements(parsed)] == [
        list(tf.train.Example.FromString(r).features.feature["id"].int64_list.value) for r in RECORDS]


def test_tfrecord_files_from_a_dataset_and_num_parallel_reads(tmp_path):
    paths = []
    for f in range(3):
        paths.append(str(tmp_path / f"part{f}.tfrecord"))
        with tf.python_io.TFRecordWriter(paths[-1]) as writer:
            for r in range(f + 2):
                writer.write(f"{f}-{r}".encode())
    in_order = [f"{f}-{r}".encode() for f in range(3) for r in range(f + 2)]
    assert elements(tf.data.TFRecordDataset(paths)) == in_order
    assert elements(tf.data.TFRecordDataset(tf.data.Dataset.from_tensor_slices(paths))) == in_order
    # num_parallel_reads interleaves the files one record at a time, as TF1 does.
    assert elements(tf.data.TFRecordDataset(paths, num_parallel_reads=2)) == [
        b"0-0", b"1-0", b"0-1", b"1-1", b"1-2", b"2-0", b"2-1", b"2-2", b"2-3"]
    files = tf.data.Dataset.list_files(str(tmp_path / "part*.tfrecord"), shuffle=False)
    assert elements(files) == [p.encode() for p in sorted(paths)]
    shuffled = elements(tf.data.Dataset.list_files(str(tmp_path / "*.tfrecord"), seed=4))
    assert sorted(shuffled) == [p.encode() for p in sorted(paths)]
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched pattern"):
        elements(tf.data.Dataset.list_files(str(tmp_path / "*.nothing")))


def test_a_damaged_tfrecord_file_raises_data_loss_naming_file_and_offset(tmp_path):
    data = bytearray(open(os.path.join(GOLDEN, "examples.tfrecord"), "rb").read())
    second = 16 + len(RECORDS[0])
    data[second + 12 + 3] ^= 0x01
    path = tmp_path / "damaged.tfrecord"
    path.write_bytes(bytes(data))
    nxt = tf.data.TFRecordDataset(str(path)).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == RECORDS[0]
        with pytest.raises(tf.errors.DataLossError, match=rf"damaged\.tfrecord.*offset {second}\b"):
            sess.run(nxt)


def test_fixed_length_record_dataset(tmp_path):
    body = bytes(range(24))
    (tmp_path / "f.bin").write_bytes(b"HEAD" + body + b"FT")
    ds = tf.data.FixedLengthRecordDataset(str(tmp_path / "f.bin"), 8, header_bytes=4, footer_bytes=2)
    assert elements(ds) == [body[0:8], body[8:16], body[16:24]]
    decoded = ds.map(lambda r: tf.decode_raw(r, tf.uint8))
    np.testing.assert_array_equal(np.stack(elements(decoded)), np.arange(24).reshape(3, 8))
    (tmp_path / "g.bin.gz").write_bytes(gzip.compress(body[:16]))
    assert elements(tf.data.FixedLengthRecordDataset(str(tmp_path / "g.bin.gz"), 4,
                                                     compression_type="GZIP")) == \
        [body[i:i + 4] for i in range(0, 16, 4)]
    (tmp_path / "h.bin").write_bytes(body[:10])
    with pytest.raises(tf.errors.DataLossError, match="h.bin.*not an exact multiple"):
        elements(tf.data.FixedLengthRecordDataset(str(tmp_path / "h.bin"), 4))


# --- training with a dataset ---------------------------------------------------------------
@pytest.mark.parametrize("backend, device", BACKENDS, ids=[b for b, _ in BACKENDS])
def test_get_next_feeds_ops_on_every_backend(backend, device):
    x = np.arange(24, dtype=np.float32).reshape(8, 3)
    w = np.array([[1.0], [-1.0], [0.5]], np.float32)
    with backend_context(backend), tf.device(device):
        ds = tf.data.Dataset.from_tensor_slices(x).map(lambda r: r * 2.0).batch(3).prefetch(1)
        batch = ds.make_one_shot_iterator().get_next()
        out = tf.matmul(batch, tf.constant(w)) + 1.0
        with tf.Session() as sess:
            got = drain(out, sess)
            assert sess._backend_for(out.op) == backend
    want = (x * 2.0) @ w + 1.0
    np.testing.assert_allclose(np.concatenate(got), want, rtol=1e-6)


def test_monitored_training_session_stops_at_the_end_of_the_dataset(tmp_path):
    x = np.linspace(-1, 1, 20).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, 3 * x - 1)).batch(5).repeat(4)
    features, labels = ds.make_one_shot_iterator().get_next()
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    loss = tf.reduce_mean(tf.square(w * features + b - labels))
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=step)
    runs = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                               save_summaries_steps=None) as sess:
            while not sess.should_stop():
                sess.run(train)
                runs += 1
    assert runs == 16  # 4 epochs of 4 batches; the 17th run ended the loop
    assert any("without its .meta" in str(c.message) for c in caught)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-16")
    wv, bv = 0.0, 0.0  # the same SGD in NumPy
    for _ in range(4):
        for i in range(0, 20, 5):
            xb, yb = x[i:i + 5], 3 * x[i:i + 5] - 1
            err = wv * xb + bv - yb
            wv, bv = wv - 0.5 * np.mean(2 * err * xb), bv - 0.5 * np.mean(2 * err)
    reader = tf.train.load_checkpoint(str(tmp_path))
    np.testing.assert_allclose([reader.get_tensor("Variable"), reader.get_tensor("Variable_1")],
                               [wv, bv], rtol=1e-5)


def test_estimator_trains_evaluates_and_predicts_from_a_dataset(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype(np.float32)
    y = (x @ np.array([2.0, -1.0], np.float32) + 0.5).astype(np.float32)

    def input_fn(epochs=1):
        return tf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(8).repeat(epochs)

    def model_fn(features, labels, mode):
        w = tf.get_variable("w", [2], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [], initializer=tf.zeros_initializer())
        pred = tf.reduce_sum(features["x"] * w, axis=1) + b
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions=pred)
        loss = tf.reduce_mean(tf.square(pred - labels))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train)

    est = tf.estimator.Estimator(model_fn, str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.train(lambda: input_fn(3))
    w, b = np.zeros(2, np.float32), np.float32(0)  # NumPy SGD over the same batches
    for _ in range(3):
        for i in range(0, 40, 8):
            err = x[i:i + 8] @ w + b - y[i:i + 8]
            w, b = w - 0.1 * 2 * x[i:i + 8].T @ err / 8, b - 0.1 * 2 * err.mean()
    np.testing.assert_allclose(est.get_variable_value("w"), w, rtol=1e-4)
    result = est.evaluate(input_fn)
    assert result["global_step"] == 15
    np.testing.assert_allclose(result["loss"], np.mean([np.mean((x[i:i + 8] @ w + b - y[i:i + 8]) ** 2)
                                                        for i in range(0, 40, 8)]), rtol=1e-4)
    predictions = list(est.predict(lambda: tf.data.Dataset.from_tensor_slices({"x": x}).batch(16)))
    np.testing.assert_allclose(predictions, x @ w + b, rtol=1e-4, atol=1e-5)


def test_saving_a_graph_with_a_dataset(tmp_path):
    v = tf.Variable(1.0)
    nxt = tf.data.Dataset.range(3).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(nxt)
        with pytest.warns(UserWarning, match="without its .meta file.*tf.data"):
            path = tf.train.Saver().save(sess, str(tmp_path / "model"))
    assert os.path.exists(path) and not os.path.exists(path + ".meta")
    assert v.name == "Variable:0"
    from tensorflux.serialization.graph_format import GraphFormatError
    with pytest.raises(GraphFormatError, match="tf.data pipelines.*OneShotIterator"):
        tf.train.export_meta_graph(str(tmp_path / "x.meta"))
    with pytest.raises(GraphFormatError, match="tf.data"):
        tf.get_default_graph().as_graph_def()


# --- the namespace -------------------------------------------------------------------------------
def test_namespace_constants_options_and_specs():
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    assert (tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY) == (-1, -2)
    options = tf.data.Options()
    options.experimental_deterministic = False
    options.threading.private_threadpool_size = 3
    other = tf.data.Options()
    other.experimental_optimization.map_parallelization = True
    merged = options.merge(other)
    assert merged.experimental_threading.private_threadpool_size == 3
    assert merged.experimental_deterministic is False
    with pytest.raises(AttributeError):
        options.no_such_option = 1
    assert isinstance(options.threading, tf.data.ThreadingOptions)
    ds = tf.data.Dataset.range(3).with_options(options).map(lambda x: x).with_options(other)
    assert ds.options() == merged
    spec = tf.data.DatasetSpec.from_value(ds)
    assert spec.element_spec == tf.TensorSpec([], tf.int64)
    assert spec == tf.data.DatasetSpec(tf.TensorSpec([], tf.int64))
    assert spec.value_type is tf.data.Dataset
    assert isinstance(ds, tf.data.Dataset)
    assert isinstance(ds.make_one_shot_iterator(), tf.data.Iterator)
    assert "tf.int64" in repr(ds)
    experimental = tf.data.experimental
    pipeline = tf.data.Dataset.range(6).apply(experimental.map_and_batch(lambda x: x * 2, 4))
    assert [b.tolist() for b in elements(pipeline)] == [[0, 2, 4, 6], [8, 10]]
    counted = experimental.Counter(5, 2).take(3)
    assert ints(elements(counted)) == [5, 7, 9]
    again = tf.data.Dataset.range(3).apply(experimental.shuffle_and_repeat(3, 2, seed=1))
    assert sorted(ints(elements(again))) == [0, 0, 1, 1, 2, 2]


def test_experimental_helpers_and_aliases():
    experimental = tf.data.experimental
    ds = tf.data.Dataset.range(4)
    assert ints(elements(ds.apply(experimental.parallel_interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(2), cycle_length=2)))) == \
        [0, 1, 0, 1, 2, 3, 2, 3]
    pairs = elements(ds.apply(experimental.enumerate_dataset(10)))
    assert [(int(i), int(x)) for i, x in pairs] == [(10, 0), (11, 1), (12, 2), (13, 3)]
    assert ints(elements(ds.apply(experimental.prefetch_to_device("/gpu:0")))) == [0, 1, 2, 3]
    assert ints(elements(ds.apply(experimental.copy_to_device("/gpu:0")))) == [0, 1, 2, 3]
    assert ints(elements(experimental.Counter(3, -1, dtype=tf.int32).take(2))) == [3, 2]
    assert ints(elements(ds.map_with_legacy_function(lambda x: x + 1))) == [1, 2, 3, 4]
    assert ints(elements(ds.filter_with_legacy_function(lambda x: x > 1))) == [2, 3]
    assert tf.data.DatasetV1 is tf.data.Dataset
    it = ds.batch(2).make_initializable_iterator()
    assert it.element_spec == tf.TensorSpec([None], tf.int64)
    assert it.output_classes is tf.Tensor and it.output_shapes.as_list() == [None]
    with pytest.raises(TypeError, match="dense tensors"):
        tf.data.Dataset.from_sparse_tensor_slices(None)
    with pytest.raises(TypeError, match="must return a Dataset"):
        ds.apply(lambda d: 3)
