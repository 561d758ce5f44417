"""Runnable examples: ``python -m tensorflux.examples.<name>``."""
