"""A TF1 project's own unit test, written as TF1 projects write them (tf.test.TestCase,
self.test_session(), tf.test.main()). tests/test_tf_test.py runs it as a script; pytest
also collects it."""
import numpy as np

import tensorflux as tf


def dense(x, units, name):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [x.shape[-1], units], initializer=tf.ones_initializer())
        b = tf.get_variable("b", [units], initializer=tf.zeros_initializer())
        return tf.nn.relu(tf.matmul(x, w) + b)


class DenseTest(tf.test.TestCase):

    def testForward(self):
        with self.test_session() as sess:
            y = dense(tf.constant([[1.0, -2.0], [3.0, 4.0]]), 3, "layer")
            tf.global_variables_initializer().run()
            self.assertAllClose(y.eval(), [[0.0] * 3, [7.0] * 3])
            self.assertShapeEqual(np.zeros((2, 3)), y)
            self.assertIs(sess, tf.get_default_session())

    def testCachedSessionIsReused(self):
        with self.cached_session() as first:
            pass
        with self.cached_session() as second:
            self.assertIs(first, second)
        with self.session() as fresh:
            self.assertIsNot(fresh, first)

    def testEvaluateNestedStructures(self):
        x = tf.constant([1.0, 2.0])
        result = self.evaluate({"double": x * 2, "pair": (x, x + 1)})
        self.assertAllClose(result, {"double": [2.0, 4.0], "pair": ([1.0, 2.0], [2.0, 3.0])})
        self.assertAllEqual(self.evaluate(tf.constant([1, 2])), [1, 2])

    def testGraphSeedMakesRandomOpsRepeatable(self):
        self.assertEqual(tf.get_default_graph().seed, 87654321)
        first = self.evaluate(tf.random_normal([3]))
        tf.reset_default_graph()
        tf.set_random_seed(87654321)
        self.assertAllClose(first, self.evaluate(tf.random_normal([3])))

    def testOpErrors(self):
        x = tf.placeholder(tf.float32, [None])
        check = tf.assert_positive(x)
        with self.test_session() as sess:
            with self.assertRaisesOpError("Condition x > 0 did not hold"):
                sess.run(check, {x: [-1.0]})
            with self.assertRaisesWithPredicateMatch(
                    tf.errors.InvalidArgumentError, lambda e: e.op is not None):
                sess.run(check, {x: [-1.0]})

    def testTolerances(self):
        self.assertAllCloseAccordingToType(np.float16(1.0), np.float16(1.0005))
        self.assertNear(1.0, 1.05, 0.1)
        self.assertArrayNear([1.0, 2.0], [1.01, 1.99], 0.02)
        self.assertDeviceEqual("/gpu:0", "/device:GPU:0")

    def testGradient(self):
        with self.test_session():
            x = tf.constant([0.5, -1.0], tf.float64)
            error = tf.test.compute_gradient_error(x, [2], tf.tanh(x), [2])
            self.assertLess(error, 1e-6)

    def testTempDir(self):
        path = self.get_temp_dir()
        self.assertEqual(path, self.get_temp_dir())
        self.assertTrue(path.startswith(tf.test.get_temp_dir()))


if __name__ == "__main__":
    tf.test.main()
