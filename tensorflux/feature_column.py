"""``tf.feature_column``."""
from tensorflux.estimator.feature_column import input_layer, numeric_column  # noqa: F401
