import glob
import os
import pickle
import tempfile
import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils.estimator_checks import check_estimator
from tensorboard.backend.event_processing import event_accumulator

import tensorflux as tf
from tensorflux.contrib.datasets.mnist import split_sample
from tensorflux.contrib.learn.sklearn import SKLearnDNNClassifier

QUIET = dict(progress_bar=False, tf_random_seed=0)


@pytest.fixture(scope="module")
def digits():
    Xtr, ytr, Xte, yte = split_sample(1000)
    X_train = Xtr[:3000].reshape(-1, 784).astype(np.float32) / 255
    X_test = Xte.reshape(-1, 784).astype(np.float32) / 255
    return X_train, ytr[:3000].astype(np.int32), X_test, yte.astype(np.int32)


def test_seed_high_level_api_with_skcompat(digits, tmp_path):
    X_train, y_train, X_test, y_test = digits
    feature_cols = tf.contrib.learn.infer_real_valued_columns_from_input(X_train)
    assert feature_cols[0].key == "" and feature_cols[0].dimension == 784
    dnn_clf = tf.contrib.learn.DNNClassifier(hidden_units=[300, 100], n_classes=10,
                                             feature_columns=feature_cols, model_dir=str(tmp_path),
                                             config=tf.contrib.learn.RunConfig(**QUIET))
    dnn_clf = tf.contrib.learn.SKCompat(dnn_clf)
    dnn_clf.fit(X_train, y_train, batch_size=50, steps=400)
    y_pred = dnn_clf.predict(X_test)
    assert set(y_pred) == {"classes", "probabilities", "logits"}
    assert y_pred["classes"].shape == (1000,) and y_pred["probabilities"].shape == (1000, 10)
    accuracy = np.mean(y_pred["classes"] == y_test)
    assert accuracy > 0.85
    scores = dnn_clf.score(X_test, y_test)
    assert scores["accuracy"] == pytest.approx(accuracy, abs=1e-6) and scores["global_step"] == 400


def test_tf_estimator_spelling_resume_and_model_dir_contents(digits, tmp_path, caplog):
    X_train, y_train, X_test, y_test = digits
    columns = [tf.feature_column.numeric_column("x", shape=[784])]
    config = tf.estimator.RunConfig(save_summary_steps=10, log_step_count_steps=50, **QUIET)
    make = lambda: tf.estimator.DNNClassifier(hidden_units=[64], n_classes=10,  # noqa: E731
                                              feature_columns=columns, model_dir=str(tmp_path),
                                              config=config)
    train_input = tf.estimator.inputs.numpy_input_fn({"x": X_train}, y_train, batch_size=50,
                                                     num_epochs=None, shuffle=True, seed=0)
    tf.logging.set_verbosity(tf.logging.INFO)
    try:
        make().train(train_input, steps=100)
        make().train(train_input, steps=50)  # a new estimator resumes from model_dir
    finally:
        tf.logging.set_verbosity(tf.logging.WARN)
    messages = [r.getMessage() for r in caplog.records if r.name == "tensorflux"]
    # TF1 logs the step just completed: the first step of the resumed run is 101.
    assert any(m.startswith("loss = ") and m.endswith("step = 101") for m in messages)
    clf = make()
    assert int(clf.get_variable_value("global_step")) == 150
    assert "dnn/hiddenlayer_0/kernel" in clf.get_variable_names()
    assert glob.glob(str(tmp_path / "model.ckpt-150*")) and os.path.exists(tmp_path / "checkpoint")
    acc = event_accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    assert "loss" in acc.Tags()["scalars"] and "global_step/sec" in acc.Tags()["scalars"]
    eval_input = tf.estimator.inputs.numpy_input_fn({"x": X_test}, y_test, batch_size=100,
                                                    num_epochs=1, shuffle=False)
    metrics = clf.evaluate(eval_input)
    assert set(metrics) == {"accuracy", "loss", "global_step"} and metrics["accuracy"] > 0.7
    predictions = list(clf.predict(tf.estimator.inputs.numpy_input_fn(
        {"x": X_test[:7]}, batch_size=3, num_epochs=1, shuffle=False)))
    assert len(predictions) == 7 and set(predictions[0]) == {"classes", "probabilities", "logits"}
    clf.train(train_input, max_steps=150)  # already there: no-op
    assert int(clf.get_variable_value("global_step")) == 150


def test_custom_model_fn_and_temporary_model_dir():
    def model_fn(features, labels, mode, params):
        w = tf.get_variable("w", shape=[1], initializer=tf.zeros_initializer())
        pred = features["x"] * w
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"y": pred})
        loss = tf.reduce_mean(tf.square(pred - labels))
        train_op = tf.train.GradientDescentOptimizer(params["lr"]).minimize(
            loss, global_step=tf.train.get_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                          eval_metric_ops={"mse": tf.metrics.mean(tf.square(pred - labels))})

    est = tf.estimator.Estimator(model_fn, params={"lr": 0.1}, config=tf.estimator.RunConfig(**QUIET))
    assert os.path.isdir(est.model_dir) and "tensorflux_model_" in est.model_dir
    x = np.linspace(-1, 1, 64).astype(np.float32)
    est.train(tf.estimator.inputs.numpy_input_fn({"x": x}, 3 * x, batch_size=16, num_epochs=30, shuffle=True))
    assert est.get_variable_value("w")[0] == pytest.approx(3.0, abs=0.05)
    result = est.evaluate(tf.estimator.inputs.numpy_input_fn({"x": x}, 3 * x, shuffle=False))
    assert result["mse"] < 1e-3 and result["global_step"] == 30 * 4
    ys = [p["y"] for p in est.predict(tf.estimator.inputs.numpy_input_fn({"x": x[:3]}, shuffle=False))]
    np.testing.assert_allclose(ys, 3 * x[:3], atol=0.05)
    with pytest.raises(ValueError, match="Could not find trained model"):
        fresh = tf.estimator.Estimator(model_fn, params={"lr": 0.1})
        fresh.evaluate(tf.estimator.inputs.numpy_input_fn({"x": x}, x, shuffle=False))


def test_regressors_and_linear_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(X)
    config = tf.contrib.learn.RunConfig(**QUIET)
    lin = tf.contrib.learn.LinearRegressor(feature_columns=cols, config=config,
                                           optimizer=tf.train.GradientDescentOptimizer(0.1))
    lin.fit(X, y, batch_size=40, steps=300)
    assert lin.score(X, y)["loss"] < 1e-3
    dnn = tf.contrib.learn.DNNRegressor(hidden_units=[16], feature_columns=cols, config=config)
    dnn.fit(X, y, batch_size=40, steps=300)
    assert dnn.score(X, y)["loss"] < 0.5
    labels = (X[:, 0] > 0).astype(np.int64)
    clf = tf.contrib.learn.LinearClassifier(feature_columns=cols, n_classes=2, config=config)
    clf.fit(X, labels, batch_size=40, steps=200)
    assert clf.score(X, labels)["accuracy"] > 0.95


def test_bad_input_is_rejected_before_training(tmp_path):
    X = np.random.default_rng(0).random((20, 4), dtype=np.float32)
    cols = tf.contrib.learn.infer_real_valued_columns_from_input(X)
    clf = tf.contrib.learn.SKCompat(tf.contrib.learn.DNNClassifier(
        hidden_units=[4], n_classes=3, feature_columns=cols, model_dir=str(tmp_path),
        config=tf.contrib.learn.RunConfig(**QUIET)))
    with pytest.raises(ValueError, match="Label 5 is outside \\[0, 3\\)"):
        clf.fit(X, np.array([0, 1, 2, 5] * 5), steps=1)
    with pytest.raises(ValueError, match="expects 4 features per example, got 3"):
        clf.fit(X[:, :3], np.zeros(20, int), steps=1)
    with pytest.raises(TypeError, match="numeric"):
        clf.fit(np.array([["a"] * 4] * 20), np.zeros(20, int), steps=1)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(bad, np.zeros(20, int), steps=1)
    assert not os.listdir(tmp_path)  # nothing was trained or written


def test_sklearn_wrapper_in_cross_validation_and_grid_search(digits):
    X_train, y_train, _, _ = digits
    X, y = X_train[:600], y_train[:600]
    model = SKLearnDNNClassifier(hidden_units=(32,), steps=150, random_state=0)
    assert model.get_params()["steps"] == 150
    assert model.set_params(steps=120) is model and model.steps == 120
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.6
    grid = GridSearchCV(SKLearnDNNClassifier(steps=100, random_state=0),
                        {"hidden_units": [(16,), (32,)]}, cv=2)
    grid.fit(X, y)
    assert grid.best_params_["hidden_units"] in [(16,), (32,)]
    letters = np.array(list("abcdefghij"))[y]
    fitted = SKLearnDNNClassifier(hidden_units=(32,), steps=150, random_state=0).fit(X, letters)
    assert list(fitted.classes_) == list("abcdefghij")
    assert fitted.predict(X[:5]).dtype.kind == "U"
    np.testing.assert_allclose(fitted.predict_proba(X[:5]).sum(1), 1, rtol=1e-5)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X[:20]), fitted.predict(X[:20]))


def test_sklearn_estimator_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(SKLearnDNNClassifier(hidden_units=(8,), steps=30, random_state=0),
                                  on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert not failed
    assert sum(r["status"] == "passed" for r in results) >= 45


def test_feature_column_inference_from_input_fn():
    x = {"a": np.zeros((10, 3), np.float32), "b": np.zeros((10,), np.float32)}
    fn = tf.estimator.inputs.numpy_input_fn(x, np.zeros(10), shuffle=False)
    cols = {c.key: c.dimension for c in tf.contrib.learn.infer_real_valued_columns_from_input_fn(fn)}
    assert cols == {"a": 3, "b": 1}
    with pytest.raises(ValueError, match="shuffle must be provided"):
        tf.estimator.inputs.numpy_input_fn(x)
    with pytest.raises(ValueError, match="same number of rows"):
        tf.estimator.inputs.numpy_input_fn(x, np.zeros(9), shuffle=False)


def test_training_and_evaluation_hooks():
    calls = []

    class StopAt(tf.train.SessionRunHook):
        def begin(self):
            self.step = tf.train.get_global_step()
            calls.append("begin")

        def after_create_session(self, session, coord):
            calls.append("created")

        def before_run(self, run_context):
            return tf.train.SessionRunArgs(self.step)

        def after_run(self, run_context, run_values):
            if run_values.results >= 6:
                run_context.request_stop()

        def end(self, session):
            calls.append("end")

    x = np.linspace(-1, 1, 40).astype(np.float32)
    columns = [tf.feature_column.numeric_column("x")]
    reg = tf.estimator.LinearRegressor(columns, config=tf.estimator.RunConfig(**QUIET))
    reg.train(tf.estimator.inputs.numpy_input_fn({"x": x}, x, batch_size=4, num_epochs=None,
                                                 shuffle=True), hooks=[StopAt()])
    assert int(reg.get_variable_value("global_step")) == 7  # stopped after seeing step 6
    assert calls == ["begin", "created", "end"]
    with pytest.raises(TypeError, match="SessionRunHook"):
        reg.train(tf.estimator.inputs.numpy_input_fn({"x": x}, x, shuffle=False), hooks=[object()])


def test_input_fn_of_constant_tensors():
    def input_fn():
        return {"x": tf.constant([[1.0], [2.0]])}, tf.constant([[2.0], [4.0]])

    reg = tf.estimator.LinearRegressor([tf.feature_column.numeric_column("x")],
                                       config=tf.estimator.RunConfig(**QUIET))
    reg.train(input_fn, steps=5)
    assert int(reg.get_variable_value("global_step")) == 5
    assert reg.evaluate(input_fn, steps=2)["global_step"] == 5
    assert len(list(reg.predict(input_fn))) == 2


def test_sklearn_wrapper_leaves_nothing_in_the_temp_dir(digits, tmp_path, monkeypatch):
    X, y = digits[0][:200], digits[1][:200]
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    model = SKLearnDNNClassifier(hidden_units=(16,), steps=20, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[:30]), model.predict(X[:30]))
    model.fit(X[:100], y[:100])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name, slot", [("Adagrad", "Adagrad"), ("Adam", "Adam"), ("Ftrl", "Ftrl"),
                                        ("RMSProp", "RMSProp"), ("SGD", None)])
def test_sklearn_wrapper_takes_every_optimizer_the_estimators_take(digits, tmp_path, name, slot):
    X, y = digits[0][:200], digits[1][:200]
    model = SKLearnDNNClassifier(hidden_units=(8,), steps=5, optimizer=name, learning_rate=0.01,
                                 random_state=0, model_dir=str(tmp_path))
    assert model.fit(X, y).predict(X[:5]).shape == (5,)
    slots = {n.rsplit("/", 1)[-1] for n, _ in tf.train.list_variables(str(tmp_path))}
    assert (slot in slots) if slot else not slots & {"Adagrad", "Adam", "Ftrl", "RMSProp"}
    with pytest.raises(ValueError, match="optimizer must be one of"):
        SKLearnDNNClassifier(optimizer="Nesterov", steps=1).fit(X, y)
