"""Helpers for testing ops on every available backend (also for plugin authors)."""
from __future__ import annotations

from tensorflux.core.registry import NOT_DIFFERENTIABLE, registry


def available_backends():
    """(backend name, device string) for every registered backend usable here."""
    out = []
    for b in registry.backends.values():
        if registry.backend_available(b.name):
            out.append((b.name, f"/device:{b.device_type}:0"))
    return out


def differentiable_ops(owner=None):
    """Names of registered ops with a gradient function (optionally of one plugin)."""
    return sorted(name for name, op in registry.ops.items()
                  if op.gradient not in (None, NOT_DIFFERENTIABLE)
                  and (owner is None or registry._op_owner.get(name) == owner))


def backends_to_test():
    """``available_backends()`` plus the strict CuPy stand-in of ``strict_device``
    (``("strictgpu", "/device:GPU:0")``), which runs the device kernels on the CPU."""
    from tensorflux.testing.strict_device import NAME
    return available_backends() + [(NAME, "/device:GPU:0")]


def backend_context(name):
    """A context in which backend ``name`` of ``backends_to_test()`` is registered: for
    ``strictgpu``, ``strict_device.simulated_gpu()`` (the CuPy kernels and every plugin's
    array kernels on the strict stand-in); other backends are registered already."""
    import contextlib

    from tensorflux.testing import strict_device
    return strict_device.simulated_gpu() if name == strict_device.NAME else contextlib.nullcontext()
