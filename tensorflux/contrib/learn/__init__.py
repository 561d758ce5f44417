"""``tf.contrib.learn``: the estimators with the x/y ``fit`` API, SKCompat and RunConfig.

``SKLearnDNNClassifier`` (a real scikit-learn estimator) lives in
``tensorflux.contrib.learn.sklearn`` so scikit-learn is imported only when used.
"""
from __future__ import annotations

import numpy as np

from tensorflux.estimator import canned
from tensorflux.estimator.estimator import RunConfig  # noqa: F401
from tensorflux.estimator.feature_column import (infer_real_valued_columns_from_input,  # noqa: F401
                                                 infer_real_valued_columns_from_input_fn,
                                                 real_valued_column)
from tensorflux.estimator.inputs import numpy_input_fn


def _check_x(estimator, x):
    """Reject inputs whose feature count differs from the model's, before running."""
    arr = x if isinstance(x, dict) else np.asarray(x)
    if isinstance(arr, np.ndarray):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Features must be numeric, got dtype {arr.dtype}")
        width = int(np.prod(arr.shape[1:])) if arr.ndim > 1 else 1
        if width != estimator._n_features:
            raise ValueError(f"The model expects {estimator._n_features} features per "
                             f"example, got {width}")


class _LearnMixin:
    """contrib.learn's fit/evaluate/predict with x and y arrays."""

    def fit(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, monitors=None,
            max_steps=None):
        if input_fn is None:
            _check_x(self, x)
            input_fn = numpy_input_fn(x, y, batch_size=batch_size or 128, num_epochs=None,
                                      shuffle=True, seed=self.config.tf_random_seed)
        return self.train(input_fn, hooks=monitors, steps=steps, max_steps=max_steps)

    def score(self, x=None, y=None, input_fn=None, steps=None, batch_size=None, metrics=None):
        if input_fn is None:
            _check_x(self, x)
            input_fn = numpy_input_fn(x, y, batch_size=batch_size or 128, num_epochs=1, shuffle=False)
        return self.evaluate(input_fn, steps=steps)

    def predict_outputs(self, x=None, input_fn=None, batch_size=None, outputs=None):
        """All predictions as a dict of arrays."""
        if input_fn is None:
            _check_x(self, x)
            input_fn = numpy_input_fn(x, batch_size=batch_size or 128, num_epochs=1, shuffle=False)
        batches = list(self.predict(input_fn, predict_keys=outputs, yield_single_examples=False))
        if not batches:
            return {}
        return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


class DNNClassifier(_LearnMixin, canned.DNNClassifier):
    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column_name=None, optimizer=None, activation_fn=None, dropout=None,
                 gradient_clip_norm=None, enable_centered_bias=False, config=None, **kwargs):
        from tensorflux.ops.nn_ops import relu
        super().__init__(hidden_units, feature_columns, model_dir, n_classes,
                         optimizer=optimizer, activation_fn=activation_fn or relu,
                         dropout=dropout, config=config)


class DNNRegressor(_LearnMixin, canned.DNNRegressor):
    def __init__(self, hidden_units, feature_columns, model_dir=None, optimizer=None,
                 activation_fn=None, dropout=None, config=None, label_dimension=1, **kwargs):
        from tensorflux.ops.nn_ops import relu
        super().__init__(hidden_units, feature_columns, model_dir, label_dimension, optimizer,
                         activation_fn or relu, dropout, config)


class LinearClassifier(_LearnMixin, canned.LinearClassifier):
    pass


class LinearRegressor(_LearnMixin, canned.LinearRegressor):
    pass


class SKCompat:
    """Wraps a contrib.learn estimator with scikit-learn style fit / predict / score."""

    def __init__(self, estimator):
        self._estimator = estimator

    def fit(self, x, y, batch_size=128, steps=None, max_steps=None, monitors=None):
        self._estimator.fit(x, y, batch_size=batch_size, steps=steps, max_steps=max_steps,
                            monitors=monitors)
        return self

    def score(self, x, y, batch_size=128, steps=None, metrics=None, name=None):
        return self._estimator.score(x, y, batch_size=batch_size, steps=steps)

    def predict(self, x, batch_size=128, outputs=None):
        """A dict of arrays (``classes``, ``probabilities``, ``logits`` for classifiers)."""
        return self._estimator.predict_outputs(x, batch_size=batch_size, outputs=outputs)
