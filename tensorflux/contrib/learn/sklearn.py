"""A scikit-learn estimator around the DNN classifier: works with cross_val_score,
GridSearchCV and scikit-learn's estimator checks."""
from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y


class SKLearnDNNClassifier(ClassifierMixin, BaseEstimator):
    """DNNClassifier as a scikit-learn classifier (labels of any type; model in a temp dir)."""

    def __init__(self, hidden_units=(300, 100), steps=1000, batch_size=50, learning_rate=0.05,
                 optimizer="Adagrad", dropout=None, random_state=None):
        self.hidden_units = hidden_units
        self.steps = steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.dropout = dropout
        self.random_state = random_state

    def _make_optimizer(self):
        from tensorflux import train
        table = {"Adagrad": train.AdagradOptimizer, "Adam": train.AdamOptimizer,
                 "SGD": train.GradientDescentOptimizer}
        if self.optimizer not in table:
            raise ValueError(f"optimizer must be one of {sorted(table)}, got {self.optimizer!r}")
        return lambda: table[self.optimizer](self.learning_rate)

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

    def fit(self, X, y):
        X, y = check_X_y(X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self.n_features_in_ = X.shape[1]
        if getattr(self, "model_dir_", None):
            shutil.rmtree(self.model_dir_, ignore_errors=True)
        self.model_dir_ = tempfile.mkdtemp(prefix="tensorflux_sklearn_")
        self.estimator_ = self._build_estimator(self.model_dir_)
        self.estimator_.fit(X, encoded, batch_size=min(self.batch_size, len(X)), steps=self.steps)
        return self

    # Pickles carry the trained weights (the checkpoint file's bytes), not code.
    def __getstate__(self):
        state = dict(self.__dict__)
        estimator = state.pop("estimator_", None)
        if estimator is not None:
            path = estimator.latest_checkpoint()
            with open(path, "rb") as f:
                state["_checkpoint"] = (os.path.basename(path), f.read())
        return state

    def __setstate__(self, state):
        checkpoint = state.pop("_checkpoint", None)
        self.__dict__.update(state)
        if checkpoint is not None:
            from tensorflux.serialization.saver import update_checkpoint_state
            name, data = checkpoint
            self.model_dir_ = tempfile.mkdtemp(prefix="tensorflux_sklearn_")
            with open(os.path.join(self.model_dir_, name), "wb") as f:
                f.write(data)
            update_checkpoint_state(self.model_dir_, os.path.join(self.model_dir_, name),
                                    [os.path.join(self.model_dir_, name)])
            self.estimator_ = self._build_estimator(self.model_dir_)

    def predict_proba(self, X):
        check_is_fitted(self, "estimator_")
        X = check_array(X, dtype=np.float32)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")
        probs = self.estimator_.predict_outputs(X, outputs=["probabilities"])["probabilities"]
        return probs[:, :len(self.classes_)] / probs[:, :len(self.classes_)].sum(1, keepdims=True)

    def predict(self, X):
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]
