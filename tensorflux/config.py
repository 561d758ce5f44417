"""``tf.config``: the devices tensorflux can place ops on (one per available backend:
the CPU, and a GPU when CuPy or a GPU plugin can run)."""
from __future__ import annotations

import collections

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])


def _device_types():
    """The device types of the usable backends, CPU first, each once."""
    from tensorflux.core.registry import registry
    registry.ensure_loaded()
    found = [b.device_type for b in registry.backends.values()
             if registry.backend_available(b.name)]
    return sorted(set(found), key=lambda t: (t != "CPU", t))


def _check_type(device_type):
    if device_type is not None and not isinstance(device_type, str):
        raise ValueError(f"device_type must be a string such as 'CPU' or 'GPU', got "
                         f"{device_type!r}")


def list_physical_devices(device_type=None):
    """PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU'), ... for the
    devices of ``device_type`` (all when None)."""
    _check_type(device_type)
    return [PhysicalDevice(f"/physical_device:{t}:0", t) for t in _device_types()
            if device_type is None or t == device_type.upper()]


def list_logical_devices(device_type=None):
    """LogicalDevice(name='/device:CPU:0', device_type='CPU'), ...: the names
    ``tf.device`` takes."""
    _check_type(device_type)
    return [LogicalDevice(f"/device:{t}:0", t) for t in _device_types()
            if device_type is None or t == device_type.upper()]


def get_visible_devices(device_type=None):
    """Every physical device is visible to tensorflux."""
    return list_physical_devices(device_type)


class experimental:  # noqa: N801 - a namespace, as tf.config.experimental
    """``tf.config.experimental``: the same device listings."""

    list_physical_devices = staticmethod(list_physical_devices)
    list_logical_devices = staticmethod(list_logical_devices)
    get_visible_devices = staticmethod(get_visible_devices)


from tensorflux.core.unsupported import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__)
