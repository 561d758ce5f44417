"""Canned estimators: DNN and linear classifiers and regressors."""
from __future__ import annotations

import numpy as np

from tensorflux.core import dtypes
from tensorflux.estimator.estimator import Estimator, EstimatorSpec, ModeKeys
from tensorflux.estimator.feature_column import input_layer
from tensorflux.ops import array_ops, layers, losses, math_ops, metrics, nn_ops, optimizers


# The optimizers the canned estimators accept by name (as TF1's do).
OPTIMIZERS = {"Adagrad": optimizers.AdagradOptimizer, "Adam": optimizers.AdamOptimizer,
              "Ftrl": optimizers.FtrlOptimizer, "SGD": optimizers.GradientDescentOptimizer,
              "RMSProp": optimizers.RMSPropOptimizer}


def _optimizer(optimizer, default_lr, default_cls):
    if optimizer is None:
        return default_cls(default_lr)
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"Unknown optimizer {optimizer!r}; one of {sorted(OPTIMIZERS)}")
        return OPTIMIZERS[optimizer](default_lr)
    return optimizer() if callable(optimizer) and not isinstance(optimizer, optimizers.Optimizer) else optimizer


def _logits(features, feature_columns, hidden_units, n_out, activation_fn, dropout, mode):
    from tensorflux.ops.variable_scope import variable_scope
    net = input_layer(features, feature_columns)
    with variable_scope("dnn"):
        for i, units in enumerate(hidden_units or []):
            net = layers.dense(net, units, activation=activation_fn, name=f"hiddenlayer_{i}")
            if dropout:
                net = layers.dropout(net, rate=dropout, training=mode == ModeKeys.TRAIN)
        return layers.dense(net, n_out, name="logits")


def _spec(mode, predictions, loss, eval_ops, params, default_lr, default_cls):
    """The EstimatorSpec of a canned model in TRAIN or EVAL mode."""
    train_op = None
    if mode == ModeKeys.TRAIN:
        opt = _optimizer(params.get("optimizer"), default_lr, default_cls)
        train_op = opt.minimize(loss, global_step=optimizers.get_global_step())
    return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op,
                         eval_metric_ops=eval_ops)


def _classifier_fn(hidden_units, default_lr, default_cls):
    def model_fn(features, labels, mode, params, config):
        n_classes = params["n_classes"]
        logits = _logits(features, params["feature_columns"], hidden_units, n_classes,
                         params["activation_fn"], params.get("dropout"), mode)
        probabilities = nn_ops.softmax(logits)
        classes = math_ops.argmax(logits, axis=1, name="classes")
        predictions = {"classes": classes, "probabilities": probabilities, "logits": logits}
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        labels = array_ops.reshape(math_ops.cast(labels, dtypes.int64), [-1])
        loss = losses.sparse_softmax_cross_entropy(labels, logits)
        return _spec(mode, predictions, loss, {"accuracy": metrics.accuracy(labels, classes)},
                     params, default_lr, default_cls)
    return model_fn


def _regressor_fn(hidden_units, default_lr, default_cls):
    def model_fn(features, labels, mode, params, config):
        dim = params.get("label_dimension", 1)
        out = _logits(features, params["feature_columns"], hidden_units, dim,
                      params["activation_fn"], params.get("dropout"), mode)
        predictions = {"predictions": out if dim > 1 else array_ops.reshape(out, [-1])}
        if mode == ModeKeys.PREDICT:
            return EstimatorSpec(mode, predictions=predictions)
        labels = array_ops.reshape(math_ops.cast(labels, dtypes.float32), [-1, dim])
        loss = losses.mean_squared_error(labels, out)
        eval_ops = {"average_loss": metrics.mean(math_ops.squared_difference(out, labels))}
        return _spec(mode, predictions, loss, eval_ops, params, default_lr, default_cls)
    return model_fn


class _Canned(Estimator):
    """Shared construction and input validation of the canned estimators."""

    _classifier = True

    def __init__(self, model_fn, feature_columns, model_dir, config, params):
        if not feature_columns:
            raise ValueError("feature_columns must be given (e.g. infer_real_valued_columns_from_input(x))")
        params = dict(params, feature_columns=list(feature_columns))
        super().__init__(model_fn, model_dir=model_dir, config=config, params=params)
        self._n_features = sum(c.dimension for c in feature_columns)

    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        self._check_labels(getattr(input_fn, "labels", None))
        return super().train(input_fn, hooks, steps, max_steps, saving_listeners)

    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        self._check_labels(getattr(input_fn, "labels", None))
        return super().evaluate(input_fn, steps, hooks, checkpoint_path, name)

    def _check_labels(self, labels):
        """Labels a numpy_input_fn carries are checked before anything is built."""
        if labels is None or not self._classifier:
            return
        n = self._params["n_classes"]
        if labels.dtype.kind not in "iub" and not np.all(np.mod(labels, 1) == 0):
            raise ValueError(f"Classifier labels must be integer class ids in [0, {n})")
        if labels.size and (labels.min() < 0 or labels.max() >= n):
            bad = labels[(labels < 0) | (labels >= n)].ravel()[0]
            raise ValueError(f"Label {bad} is outside [0, {n}): n_classes={n}")

    def _check_features(self, features, mode):
        if not isinstance(features, dict):
            raise TypeError("input_fn must return a dict of feature tensors")
        for column in self._params["feature_columns"]:
            if column.key not in features:
                raise ValueError(f"Feature {column.key!r} is missing from the input")
            t = features[column.key]
            dims = t.shape.as_tuple()
            if dims is not None and len(dims) > 1 and None not in dims[1:]:
                width = int(np.prod(dims[1:]))
                if width != column.dimension:
                    raise ValueError(f"Feature {column.key!r} has {width} values per example "
                                     f"but its feature column expects {column.dimension}")
            if not (t.dtype.is_floating or t.dtype.is_integer):
                raise TypeError(f"Feature {column.key!r} must be numeric, got {t.dtype.name}")


class DNNClassifier(_Canned):
    """A feed-forward classifier: ReLU hidden layers and a softmax output; Adagrad (0.05)
    by default, like TF1."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2,
                 weight_column=None, label_vocabulary=None, optimizer=None,
                 activation_fn=nn_ops.relu, dropout=None, config=None, **kwargs):
        if n_classes < 2:
            raise ValueError(f"n_classes must be >= 2, got {n_classes}")
        super().__init__(_classifier_fn(list(hidden_units), 0.05, optimizers.AdagradOptimizer),
                         feature_columns, model_dir, config,
                         dict(n_classes=n_classes, optimizer=optimizer,
                              activation_fn=activation_fn, dropout=dropout))
        self.n_classes = n_classes


class DNNRegressor(_Canned):
    _classifier = False

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1,
                 optimizer=None, activation_fn=nn_ops.relu, dropout=None, config=None, **kwargs):
        super().__init__(_regressor_fn(list(hidden_units), 0.05, optimizers.AdagradOptimizer),
                         feature_columns, model_dir, config,
                         dict(label_dimension=label_dimension, optimizer=optimizer,
                              activation_fn=activation_fn, dropout=dropout))


def _linear_learning_rate(feature_columns):
    """TF1's default for canned linear models: 0.2, less with many feature columns."""
    return min(0.2, 1.0 / np.sqrt(max(len(list(feature_columns)), 1)))


class LinearClassifier(_Canned):
    """Multinomial logistic regression; FTRL by default, with TF1's learning rate."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, optimizer=None,
                 config=None, **kwargs):
        feature_columns = list(feature_columns)
        super().__init__(_classifier_fn([], _linear_learning_rate(feature_columns),
                                        optimizers.FtrlOptimizer),
                         feature_columns, model_dir, config,
                         dict(n_classes=n_classes, optimizer=optimizer, activation_fn=None))
        self.n_classes = n_classes


class LinearRegressor(_Canned):
    """Linear least squares; FTRL by default, with TF1's learning rate."""

    _classifier = False

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, optimizer=None,
                 config=None, **kwargs):
        feature_columns = list(feature_columns)
        super().__init__(_regressor_fn([], _linear_learning_rate(feature_columns),
                                       optimizers.FtrlOptimizer),
                         feature_columns, model_dir, config,
                         dict(label_dimension=label_dimension, optimizer=optimizer,
                              activation_fn=None))
