"""A scikit-learn estimator around the DNN classifier: works with cross_val_score,
GridSearchCV and scikit-learn's estimator checks."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y


class SKLearnDNNClassifier(ClassifierMixin, BaseEstimator):
    """DNNClassifier as a scikit-learn classifier, for labels of any type.

    ``optimizer`` is one of the names the estimators accept ("Adagrad", "Adam", "Ftrl",
    "RMSProp", "SGD"), used with ``learning_rate``, or an Optimizer or a function that
    returns one. Without ``model_dir`` nothing stays on disk: the trained weights are
    kept in memory (and in pickles) as the checkpoint's bytes, and training and each
    prediction use a temporary directory that is removed afterwards. With ``model_dir``
    the checkpoints and the graph are written there and kept (and ``fit`` continues from
    a checkpoint already there, as tf.contrib.learn does).
    """

    def __init__(self, hidden_units=(300, 100), steps=1000, batch_size=50, learning_rate=0.05,
                 optimizer="Adagrad", dropout=None, random_state=None, model_dir=None):
        self.hidden_units = hidden_units
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.dropout = dropout
        self.random_state = random_state
        self.model_dir = model_dir

    def _make_optimizer(self):
        from tensorflux.estimator.canned import OPTIMIZERS
        if not isinstance(self.optimizer, str):
            return self.optimizer
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, an Optimizer or "
                             f"a function returning one; got {self.optimizer!r}")
        return lambda: OPTIMIZERS[self.optimizer](self.learning_rate)

    def _build_estimator(self, model_dir):
        from tensorflux.contrib.learn import DNNClassifier, RunConfig, real_valued_column
        seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else None
        return DNNClassifier(
            hidden_units=list(self.hidden_units), n_classes=max(2, len(self.classes_)),
            feature_columns=[real_valued_column("", self.n_features_in_)], model_dir=model_dir,
            optimizer=self._make_optimizer(), dropout=self.dropout,
            # One checkpoint when the run starts and one when it ends (the steps run out).
            config=RunConfig(tf_random_seed=seed, progress_bar=False, save_summary_steps=0,
                             log_step_count_steps=0, save_checkpoints_secs=None,
                             save_checkpoints_steps=self.steps + 1))

    @contextlib.contextmanager
    def _estimator(self):
        """The estimator on ``model_dir``, or on a temporary directory holding the
        in-memory checkpoint (if any) that is removed when the block ends."""
        if self.model_dir:
            yield self._build_estimator(self.model_dir)
            return
        from tensorflux.serialization.saver import update_checkpoint_state
        directory = tempfile.mkdtemp(prefix="tensorflux_sklearn_")
        try:
            if getattr(self, "checkpoint_", None) is not None:
                name, data = self.checkpoint_
                path = os.path.join(directory, name)
                with open(path, "wb") as f:
                    f.write(data)
                update_checkpoint_state(directory, path, [path])
            yield self._build_estimator(directory)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def fit(self, X, y):
        X, y = check_X_y(X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("checkpoint_", None)  # a new model, not the last one's weights
        with self._estimator() as estimator:
            estimator.fit(X, encoded, batch_size=min(self.batch_size, len(X)), steps=self.steps)
            path = estimator.latest_checkpoint()
            with open(path, "rb") as f:  # the weights, as bytes: pickles carry no code
                self.checkpoint_ = (os.path.basename(path), f.read())
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "checkpoint_")
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")
        with self._estimator() as estimator:
            probs = estimator.predict_outputs(X, outputs=["probabilities"])["probabilities"]
        return probs[:, :len(self.classes_)] / probs[:, :len(self.classes_)].sum(1, keepdims=True)

    def predict(self, X):
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]
