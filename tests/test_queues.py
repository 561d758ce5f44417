"""Queues, readers, queue runners, the coordinator and tf.train input producers and
batching (TF1's "reading data directly from the graph")."""
import os
import threading
import time

import numpy as np
import pytest

import tensorflux as tf


def run_in_thread(fn):
    """Start ``fn`` in a thread; returns (thread, list receiving its result or error)."""
    box = []

    def target():
        try:
            box.append(fn())
        except Exception as exc:  # handed to the test
            box.append(exc)
    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, box


def test_fifo_queue_order_sizes_and_shapes():
    q = tf.FIFOQueue(10, [tf.int32, tf.string], shapes=[[2], []])
    enq = q.enqueue(([1, 2], "a"))
    many = q.enqueue_many(([[3, 4], [5, 6], [7, 8]], ["b", "c", "d"]))
    x, s = q.dequeue()
    xs, ss = q.dequeue_many(2)
    assert x.shape.as_list() == [2] and xs.shape.as_list() == [2, 2] and ss.shape.as_list() == [2]
    assert q.dequeue_up_to(3)[0].shape.as_list() == [None, 2]
    with tf.Session() as sess:
        sess.run(enq)
        sess.run(many)
        assert sess.run(q.size()) == 4
        got = sess.run([x, s])
        assert got[0].tolist() == [1, 2] and got[1] == b"a"
        got = sess.run([xs, ss])
        assert got[0].tolist() == [[3, 4], [5, 6]] and got[1].tolist() == [b"b", b"c"]
        assert sess.run(q.size()) == 1 and not sess.run(q.is_closed())
    with pytest.raises(ValueError, match="incompatible"):
        q.enqueue(([1, 2, 3], "a"))


def test_dequeue_blocks_until_another_thread_enqueues():
    q = tf.FIFOQueue(3, tf.float32)
    value = tf.placeholder(tf.float32)
    enq = q.enqueue(value)
    deq = q.dequeue()
    with tf.Session() as sess:
        t, box = run_in_thread(lambda: sess.run(deq))
        time.sleep(0.2)
        assert not box, "dequeue returned before anything was enqueued"
        sess.run(enq, {value: 4.5})
        t.join(5)
        assert box == [4.5]


def test_enqueue_blocks_while_full_and_close_semantics():
    q = tf.FIFOQueue(2, tf.float32, shapes=[[]])
    enq = q.enqueue(1.0)
    deq = q.dequeue()
    with tf.Session() as sess:
        sess.run(enq)
        sess.run(enq)
        t, box = run_in_thread(lambda: sess.run(enq))
        time.sleep(0.2)
        assert not box and sess.run(q.size()) == 2
        assert sess.run(deq) == 1.0  # makes room: the blocked enqueue completes
        t.join(5)
        assert box == [None] and sess.run(q.size()) == 2
        t, box = run_in_thread(lambda: sess.run(enq))
        time.sleep(0.2)
        sess.run(q.close(cancel_pending_enqueues=True))
        t.join(5)
        assert isinstance(box[0], tf.errors.CancelledError) and "cancelled" in str(box[0])
        with pytest.raises(tf.errors.CancelledError, match="is closed"):
            sess.run(enq)
        assert sess.run(q.dequeue_up_to(5)).tolist() == [1.0, 1.0]
        with pytest.raises(tf.errors.OutOfRangeError, match=r"closed and has insufficient elements \(requested 1, current size 0\)"):
            sess.run(deq)


def test_dequeue_many_on_closed_queue_and_up_to():
    q = tf.FIFOQueue(5, tf.int32, shapes=[[]])
    with tf.Session() as sess:
        sess.run(q.enqueue_many([[1, 2, 3]]))
        sess.run(q.close())
        with pytest.raises(tf.errors.OutOfRangeError, match="requested 4, current size 3"):
            sess.run(q.dequeue_many(4))
        assert sess.run(q.dequeue_up_to(2)).tolist() == [1, 2]
        assert sess.run(q.dequeue_up_to(2)).tolist() == [3]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(q.dequeue_up_to(2))


def test_run_options_timeout_raises_deadline_exceeded():
    q = tf.FIFOQueue(1, tf.float32)
    deq = q.dequeue()
    with tf.Session() as sess:
        start = time.monotonic()
        with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out waiting"):
            sess.run(deq, options=tf.RunOptions(timeout_in_ms=100))
        assert time.monotonic() - start < 5
    with tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=50)) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(deq)


def test_closing_the_session_cancels_blocked_runs():
    q = tf.FIFOQueue(1, tf.float32)
    sess = tf.Session()
    t, box = run_in_thread(lambda: sess.run(q.dequeue()))
    time.sleep(0.2)
    sess.close()
    t.join(5)
    assert isinstance(box[0], tf.errors.CancelledError)


def test_queue_state_is_per_session():
    q = tf.FIFOQueue(5, tf.int32, shapes=[[]])
    enq = q.enqueue(7)
    with tf.Session() as a, tf.Session() as b:
        a.run(enq)
        assert a.run(q.size()) == 1 and b.run(q.size()) == 0


def test_random_shuffle_queue_keeps_min_after_dequeue_and_is_seeded():
    def drain(seed):
        tf.reset_default_graph()
        q = tf.RandomShuffleQueue(20, 5, tf.int32, shapes=[[]], seed=seed)
        with tf.Session() as sess:
            sess.run(q.enqueue_many([np.arange(10)]))
            first = sess.run(q.dequeue_many(5))
            t, box = run_in_thread(lambda: sess.run(q.dequeue()))
            time.sleep(0.2)
            blocked = not box  # 5 left == min_after_dequeue: waits for more or for close
            sess.run(q.close())
            t.join(5)
            rest = sess.run(q.dequeue_up_to(10))
        return first, box[0], rest, blocked

    first, one, rest, blocked = drain(3)
    assert blocked
    assert sorted(first.tolist() + [one] + rest.tolist()) == list(range(10))
    assert first.tolist() != list(range(5))  # shuffled (a 1 in 30240 chance of failing is not possible: seeded)
    again = drain(3)
    assert again[0].tolist() == first.tolist()


def test_padding_fifo_queue_pads_to_the_longest():
    q = tf.PaddingFIFOQueue(5, [tf.int32, tf.string], shapes=[[None], [None]])
    a = tf.placeholder(tf.int32, [None])
    s = tf.placeholder(tf.string, [None])
    enq = q.enqueue([a, s])
    xs, ss = q.dequeue_many(2)
    assert xs.shape.as_list() == [2, None]
    with tf.Session() as sess:
        sess.run(enq, {a: [1], s: ["x"]})
        sess.run(enq, {a: [2, 3, 4], s: ["y", "z"]})
        got = sess.run([xs, ss])
    assert got[0].tolist() == [[1, 0, 0], [2, 3, 4]]
    assert got[1].tolist() == [[b"x", b""], [b"y", b"z"]]


def test_named_queue_takes_dicts():
    q = tf.FIFOQueue(3, [tf.float32, tf.int32], shapes=[[], []], names=["x", "y"])
    with tf.Session() as sess:
        sess.run(q.enqueue({"x": 1.5, "y": 2}))
        assert sess.run(q.dequeue()) == {"x": 1.5, "y": 2}
    with pytest.raises(ValueError, match="do not match"):
        q.enqueue({"x": 1.0})


def test_coordinator_stop_join_and_reraise():
    coord = tf.train.Coordinator()
    seen = []

    def worker(i):
        with coord.stop_on_exception():
            while not coord.should_stop():
                if i == 2:
                    raise ValueError("worker 2 failed")
                time.sleep(0.01)
            seen.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    with pytest.raises(ValueError, match="worker 2 failed"):
        coord.join(threads)
    assert sorted(seen) == [0, 1] and coord.should_stop() and coord.joined
    coord.clear_stop()
    assert not coord.should_stop()
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "done"))  # a clean stop
    coord.join([])
    assert coord.wait_for_stop(0.01)


def test_coordinator_reports_stragglers():
    coord = tf.train.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, daemon=True)
    t.start()
    coord.request_stop()
    with pytest.raises(RuntimeError, match="threads still running"):
        coord.join([t], stop_grace_period_secs=0.05)
    release.set()


def write_lines(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_text_line_reader_through_string_input_producer_and_coordinator(tmp_path):
    files = [write_lines(tmp_path, f"f{i}.csv", ["a,b"] + [f"{i},{j}" for j in range(3)]) for i in range(2)]
    queue = tf.train.string_input_producer(files, num_epochs=2, shuffle=False)
    reader = tf.TextLineReader(skip_header_lines=1)
    key, value = reader.read(queue)
    x, y = tf.decode_csv(value, [[0], [0]])
    assert tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
    assert any("fraction_of_32_full" in s.op.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES))
    got = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        try:
            while not coord.should_stop():
                got.append(tuple(sess.run([key, x, y])))
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
        coord.join(threads)
        assert sess.run(reader.num_records_produced()) == 12
        assert sess.run(reader.num_work_units_completed()) == 4
    assert [(k.decode(), a, b) for k, a, b in got[:3]] == [(f"{files[0]}:{j + 2}", 0, j) for j in range(3)]
    assert sorted((a, b) for _, a, b in got) == sorted([(i, j) for i in range(2) for j in range(3)] * 2)


def test_match_filenames_once_feeds_string_input_producer(tmp_path):
    names = [write_lines(tmp_path, f"{c}.txt", [c]) for c in "bca"]
    write_lines(tmp_path, "other.csv", ["no"])
    files = tf.train.match_filenames_once(str(tmp_path / "*.txt"))
    assert files.op.name == "matching_filenames"
    lines = tf.TextLineReader().read(tf.train.string_input_producer(files, num_epochs=1, shuffle=False))[1]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(files).tolist() == [n.encode() for n in sorted(names)]
        assert sess.run(tf.io.matching_files([str(tmp_path / "a*"), str(tmp_path / "*.csv")])).tolist() == [
            str(tmp_path / "a.txt").encode(), str(tmp_path / "other.csv").encode()]
        got = drain(sess, lines)
    assert got == [b"a", b"b", b"c"]


def test_tfrecord_fixed_length_and_whole_file_readers(tmp_path):
    path = str(tmp_path / "r.tfrecord.gz")
    with tf.python_io.TFRecordWriter(path, "GZIP") as w:
        for r in [b"one", b"two", b"three"]:
            w.write(r)
    raw = tmp_path / "fixed.bin"
    raw.write_bytes(b"HDR" + b"".join(bytes([i]) * 4 for i in range(3)) + b"FT")
    other = tmp_path / "whole.txt"
    other.write_bytes(b"all of it")
    readers = {
        "tfrecord": (tf.TFRecordReader(options=tf.python_io.TFRecordOptions(tf.python_io.TFRecordCompressionType.GZIP)), path),
        "fixed": (tf.FixedLengthRecordReader(record_bytes=4, header_bytes=3, footer_bytes=2), str(raw)),
        "whole": (tf.WholeFileReader(), str(other)),
    }
    out = {}
    with tf.Session() as sess:
        for name, (reader, file) in readers.items():
            q = tf.FIFOQueue(2, tf.string)
            sess.run(q.enqueue(file))
            sess.run(q.close())
            keys, values = reader.read_up_to(q, 10)
            out[name] = sess.run([keys, values])
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(reader.read(q))
    assert out["tfrecord"][1].tolist() == [b"one", b"two", b"three"]
    assert out["tfrecord"][0][1] == f"{path}:19".encode()  # 16 bytes of framing + b"one"
    assert out["fixed"][1].tolist() == [b"\x00" * 4, b"\x01" * 4, b"\x02" * 4]
    assert out["fixed"][0].tolist() == [f"{raw}:{i}".encode() for i in range(3)]
    assert out["whole"][1].tolist() == [b"all of it"] and out["whole"][0].tolist() == [str(other).encode()]


def test_reader_of_a_missing_file_names_it(tmp_path):
    q = tf.FIFOQueue(2, tf.string)
    key, value = tf.TextLineReader().read(q)
    with tf.Session() as sess:
        sess.run(q.enqueue(str(tmp_path / "absent.txt")))
        with pytest.raises(tf.errors.NotFoundError, match="absent.txt"):
            sess.run(value)


def drain(sess, fetch):
    """Run ``fetch`` with the graph's queue runners until the input runs out."""
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    out = []
    try:
        while True:
            out.append(sess.run(fetch))
    except tf.errors.OutOfRangeError:
        pass
    coord.request_stop()
    coord.join(threads)
    return out


def test_batch_keeps_order_and_a_smaller_final_batch():
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    labels = np.arange(20, dtype=np.int64)
    x, y = tf.train.slice_input_producer([data, labels], num_epochs=1, shuffle=False)
    bx, by = tf.train.batch([x, y], batch_size=6, allow_smaller_final_batch=True)
    assert bx.shape.as_list() == [None, 2] and bx.op.name == "batch"
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        batches = drain(sess, [bx, by])
    assert [len(b[1]) for b in batches] == [6, 6, 6, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), labels)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), data)


def test_shuffle_batch_with_two_threads_sees_every_element_once():
    index = tf.train.range_input_producer(50, num_epochs=1, shuffle=False).dequeue()
    batch = tf.train.shuffle_batch([index], batch_size=8, capacity=20, min_after_dequeue=5,
                                   num_threads=2, seed=3, allow_smaller_final_batch=True)
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)[-1].enqueue_ops) == 2
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        batches = drain(sess, batch)
    values = np.concatenate(batches).tolist()
    assert sorted(values) == list(range(50)) and values != sorted(values)


def test_shuffle_batch_mixes_and_dict_batch():
    tf.set_random_seed(0)
    index = tf.train.range_input_producer(50, shuffle=False).dequeue()
    batch = tf.train.shuffle_batch({"i": index, "sq": index * index}, batch_size=10, capacity=40,
                                   min_after_dequeue=20, seed=5)
    assert set(batch) == {"i", "sq"}
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        got = sess.run(batch)
        coord.request_stop()
        coord.join(threads)
    np.testing.assert_array_equal(got["sq"], got["i"] ** 2)
    assert got["i"].tolist() != sorted(got["i"].tolist())


def test_batch_join_and_dynamic_pad():
    a = tf.train.range_input_producer(5, shuffle=False, num_epochs=1).dequeue()
    b = tf.train.range_input_producer(5, shuffle=False, num_epochs=1).dequeue() + 100
    joined = tf.train.batch_join([[a], [b]], batch_size=4, allow_smaller_final_batch=True)
    seq = tf.range(tf.train.range_input_producer(4, shuffle=False, num_epochs=1).dequeue() + 1)
    padded = tf.train.batch([seq], batch_size=4, dynamic_pad=True)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        values = []
        try:
            while True:
                values.extend(sess.run(joined).tolist())
        except tf.errors.OutOfRangeError:
            pass
        got_padded = sess.run(padded)
        coord.request_stop()
        coord.join(threads)
    assert sorted(values) == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]
    assert got_padded.tolist() == [[0, 0, 0, 0], [0, 1, 0, 0], [0, 1, 2, 0], [0, 1, 2, 3]]


def test_queue_runner_reports_errors_to_the_coordinator():
    q = tf.FIFOQueue(2, tf.float32)
    bad = tf.placeholder(tf.float32)  # never fed: every enqueue fails
    qr = tf.train.QueueRunner(q, [q.enqueue(bad)])
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = qr.create_threads(sess, coord=coord, start=True)
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value"):
            coord.join(threads)
    with pytest.raises(ValueError, match="No default session"):
        tf.train.start_queue_runners()
    with pytest.raises(ValueError, match="capacity"):
        tf.train.shuffle_batch([tf.constant(1)], 2, capacity=4, min_after_dequeue=4)
    with pytest.raises(ValueError, match="fully defined"):
        tf.train.batch([tf.placeholder(tf.float32, [None])], 2)


def test_limit_epochs_and_count_up_to():
    counter = tf.Variable(0, dtype=tf.int64)
    up = tf.count_up_to(counter, 2)
    limited = tf.train.limit_epochs(tf.constant([1, 2]), num_epochs=2)
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        assert [sess.run(up), sess.run(up)] == [0, 1]
        with pytest.raises(tf.errors.OutOfRangeError, match="Reached limit of 2"):
            sess.run(up)
        sess.run(limited)
        sess.run(limited)
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(limited)


def test_read_and_write_file(tmp_path):
    path = str(tmp_path / "out.bin")
    with tf.Session() as sess:
        sess.run(tf.write_file(path, b"\x00bytes"))
        assert sess.run(tf.read_file(path)) == b"\x00bytes"
        with pytest.raises(tf.errors.NotFoundError, match="nothing.bin"):
            sess.run(tf.io.read_file(os.path.join(str(tmp_path), "nothing.bin")))
