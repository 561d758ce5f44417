"""Kernels per backend. Each backend is a plugin declared in pyproject.toml."""
