"""Loading plugins: entry points in the ``tensorflux`` group, through pluggy.

The built-in op library and the NumPy backend are plugins too, declared in
pyproject.toml. A plugin that fails to import or to register is reported as a warning
naming it, and the others keep working. ``TENSORFLUX_PLUGINS=name1,name2`` restricts
loading to the named entry points; ``TENSORFLUX_DISABLE_PLUGINS=name`` skips some.
"""
from __future__ import annotations

import importlib
import os
import warnings
from importlib import metadata

import pluggy

from tensorflux.core import hookspecs

GROUP = "tensorflux"

# Used only when tensorflux runs from a source tree that was never installed, so no
# entry points exist: the same modules pyproject.toml declares.
_BUILTIN_FALLBACK = {
    "ops": "tensorflux.ops.plugin",
    "numpy": "tensorflux.backends.numpy_backend",
    "cupy": "tensorflux.backends.cupy_backend",
}


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded or failed while registering."""


def _wanted(name: str) -> bool:
    only = os.environ.get("TENSORFLUX_PLUGINS")
    if only is not None and name not in {n.strip() for n in only.split(",") if n.strip()}:
        return False
    skip = os.environ.get("TENSORFLUX_DISABLE_PLUGINS", "")
    return name not in {n.strip() for n in skip.split(",")}


def _entry_points():
    eps = [(ep.name, ep.value, ep.load) for ep in metadata.entry_points(group=GROUP)]
    try:
        metadata.distribution("tensorflux")
    except metadata.PackageNotFoundError:
        names = {n for n, _, _ in eps}
        for name, module in _BUILTIN_FALLBACK.items():
            if name not in names:
                eps.append((name, module, lambda m=module: importlib.import_module(m)))
    return eps


def load_plugins(registry) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name, value, load in _entry_points():
        if not _wanted(name):
            continue
        if pm.get_plugin(name) is not None:
            warnings.warn(f"tensorflux plugin {name!r} ({value}) is declared twice; "
                          f"the second one is ignored", PluginLoadWarning, stacklevel=2)
            continue
        try:
            module = load()
            pm.register(module, name=name)
        except Exception as exc:
            warnings.warn(f"tensorflux plugin {name!r} ({value}) failed to load: "
                          f"{type(exc).__name__}: {exc}", PluginLoadWarning, stacklevel=2)
            registry.plugins[name] = {"name": name, "module": value, "loaded": False,
                                      "error": f"{type(exc).__name__}: {exc}"}
            continue
        registry.plugins[name] = {"name": name, "module": value, "loaded": True, "error": None}

    registrars = {
        "tensorflux_register_backends": registry.register_backend,
        "tensorflux_register_ops": registry.register_op,
        "tensorflux_register_kernels": registry.register_kernel,
    }
    for hook_name, registrar in registrars.items():
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            plugin = impl.plugin_name

            def register(*args, _r=registrar, _p=plugin, **kwargs):
                return _r(*args, plugin=_p, **kwargs)

            try:
                impl.function(register=register)
            except Exception as exc:
                warnings.warn(f"tensorflux plugin {plugin!r} failed in {hook_name}: "
                              f"{type(exc).__name__}: {exc}", PluginLoadWarning, stacklevel=2)
                registry.plugins[plugin].update(loaded=False, error=f"{type(exc).__name__}: {exc}")
    return pm
