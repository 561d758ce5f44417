"""High-level extras: data sets now; layers and estimators as they land."""
