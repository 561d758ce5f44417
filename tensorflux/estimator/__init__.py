"""``tf.estimator``: Estimator, EstimatorSpec, ModeKeys, RunConfig, canned estimators,
``inputs.numpy_input_fn``."""
from tensorflux.estimator import inputs  # noqa: F401
from tensorflux.estimator.canned import (DNNClassifier, DNNRegressor, LinearClassifier,  # noqa: F401
                                         LinearRegressor)
from tensorflux.estimator.estimator import Estimator, EstimatorSpec, ModeKeys, RunConfig  # noqa: F401
