"""TF1's tutorial helpers (``tensorflow.examples.tutorials``)."""
