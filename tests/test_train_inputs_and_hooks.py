"""tf.train's input producers, maybe_* batching, queue-runner registration and the hook
plumbing (SessionCreator, SessionRunContext, SessionRunValues, SecondOrStepTimer), used
by their full names and checked against TF1's documented behaviour."""
import numpy as np
import pytest

import tensorflux as tf


def drain(fetch, init_local=True):
    """Every value ``fetch`` yields until the input runs out, with queue runners going."""
    out = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        if init_local:
            sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        try:
            while True:
                out.append(sess.run(fetch))
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
            coord.join(threads)
    return out


def test_input_producer_gives_the_rows_num_epochs_times():
    data = np.arange(12).reshape(4, 3)
    queue = tf.train.input_producer(tf.constant(data), num_epochs=2, shuffle=False)
    rows = drain(queue.dequeue())
    np.testing.assert_array_equal(rows, np.concatenate([data, data]))
    with pytest.raises(ValueError, match="fully defined"):
        tf.train.input_producer(tf.placeholder(tf.float32, [None, None]))


def test_add_queue_runner_registers_in_the_collection():
    q = tf.FIFOQueue(10, [tf.int32], shapes=[[]])
    runner = tf.train.QueueRunner(q, [q.enqueue([7])])
    tf.train.add_queue_runner(runner)
    assert tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS) == [runner]
    tf.train.add_queue_runner(runner, collection="mine")
    assert tf.get_collection("mine") == [runner]
    with tf.Session() as sess:
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert list(sess.run(q.dequeue_many(3))) == [7, 7, 7]
        coord.request_stop()
        sess.run(q.close(cancel_pending_enqueues=True))
        coord.join(threads)


def test_shuffle_batch_join_sees_every_element_once():
    a = tf.train.range_input_producer(10, num_epochs=1, shuffle=False).dequeue()
    b = tf.train.range_input_producer(10, num_epochs=1, shuffle=False).dequeue() + 100
    batch = tf.train.shuffle_batch_join([[a], [b]], batch_size=4, capacity=20,
                                        min_after_dequeue=5, seed=1,
                                        allow_smaller_final_batch=True)
    seen = np.concatenate(drain(batch))
    assert sorted(seen) == list(range(10)) + list(range(100, 110))
    assert list(seen) != sorted(seen)  # shuffled


def test_maybe_batch_keeps_only_the_selected_inputs():
    x = tf.train.range_input_producer(10, num_epochs=1, shuffle=False).dequeue()
    batch = tf.train.maybe_batch([x], keep_input=tf.equal(x % 2, 0), batch_size=2,
                                 allow_smaller_final_batch=True)
    assert np.concatenate(drain(batch)).tolist() == [0, 2, 4, 6, 8]


def test_maybe_batch_with_enqueue_many_takes_a_vector_of_flags():
    rows = tf.train.input_producer(tf.reshape(tf.range(12), [4, 3]), num_epochs=1,
                                   shuffle=False).dequeue()
    batch = tf.train.maybe_batch([rows], keep_input=rows > 4, batch_size=3, enqueue_many=True,
                                 allow_smaller_final_batch=True)
    assert np.concatenate(drain(batch)).tolist() == list(range(5, 12))
    with pytest.raises(ValueError, match="scalar"):
        tf.train.maybe_batch([rows], keep_input=rows > 4, batch_size=3)


def test_maybe_batch_join_and_the_shuffling_variants():
    a = tf.train.range_input_producer(8, num_epochs=1, shuffle=False).dequeue()
    b = tf.train.range_input_producer(8, num_epochs=1, shuffle=False).dequeue() + 10
    joined = tf.train.maybe_batch_join([[a], [b]], keep_input=True, batch_size=4,
                                       allow_smaller_final_batch=True)
    assert sorted(np.concatenate(drain(joined))) == list(range(8)) + list(range(10, 18))
    tf.reset_default_graph()
    c = tf.train.range_input_producer(20, num_epochs=1, shuffle=False).dequeue()
    shuffled = tf.train.maybe_shuffle_batch([c], 4, capacity=10, min_after_dequeue=3,
                                            keep_input=c < 12, seed=2,
                                            allow_smaller_final_batch=True)
    got = np.concatenate(drain(shuffled))
    assert sorted(got) == list(range(12)) and list(got) != sorted(got)
    tf.reset_default_graph()
    d = tf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
    e = tf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue() + 50
    both = tf.train.maybe_shuffle_batch_join([[d], [e]], 3, capacity=10, min_after_dequeue=2,
                                             keep_input=tf.constant(False), seed=3,
                                             allow_smaller_final_batch=True)
    assert drain(both) == []  # nothing kept


def test_second_or_step_timer_follows_tf1():
    timer = tf.train.SecondOrStepTimer(every_steps=3)
    assert timer.last_triggered_step() is None
    assert timer.should_trigger_for_step(0)  # never triggered: always
    assert timer.update_last_triggered_step(0) == (None, None)
    assert [timer.should_trigger_for_step(s) for s in (0, 1, 2, 3, 4)] == [False, False, False,
                                                                         True, True]
    elapsed_secs, elapsed_steps = timer.update_last_triggered_step(4)
    assert elapsed_steps == 4 and elapsed_secs >= 0 and timer.last_triggered_step() == 4
    by_time = tf.train.SecondOrStepTimer(every_secs=0.0)
    by_time.update_last_triggered_step(1)
    assert by_time.should_trigger_for_step(2) and not by_time.should_trigger_for_step(1)
    with pytest.raises(ValueError):
        tf.train.SecondOrStepTimer(every_secs=1, every_steps=1)


class RecordingHook(tf.train.SessionRunHook):
    def __init__(self, tensor):
        self.tensor, self.seen = tensor, []

    def before_run(self, run_context):
        assert isinstance(run_context, tf.train.SessionRunContext)
        assert run_context.original_args.fetches is not None
        return tf.train.SessionRunArgs(self.tensor)

    def after_run(self, run_context, run_values):
        assert isinstance(run_values, tf.train.SessionRunValues)
        self.seen.append(run_values.results)
        if run_values.results >= 3:
            run_context.request_stop()


class FromZero(tf.train.SessionCreator):
    """A custom session creator: a plain Session with the variables set to zero."""

    def __init__(self):
        self.created = 0

    def create_session(self):
        self.created += 1
        sess = tf.Session()
        sess.run(tf.global_variables_initializer())
        return sess


def test_a_custom_session_creator_and_the_hook_values():
    counter = tf.Variable(0, name="counter")
    step = tf.assign_add(counter, 1)
    hook = RecordingHook(step)
    creator = FromZero()
    assert isinstance(creator, tf.train.SessionCreator)
    with tf.train.MonitoredSession(session_creator=creator, hooks=[hook]) as sess:
        while not sess.should_stop():
            sess.run(step)
    assert creator.created == 1
    assert hook.seen == [1, 2, 3]  # the step runs once per run, fetched by both; stop at 3
    run_values = tf.train.SessionRunValues(results=5)
    assert run_values.results == 5 and run_values.options is None
    context = tf.train.SessionRunContext(tf.train.SessionRunArgs("x"), session=None)
    assert not context.stop_requested
    context.request_stop()
    assert context.stop_requested
    with pytest.raises(NotImplementedError):
        tf.train.SessionCreator().create_session()
