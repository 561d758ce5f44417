"""Loading plugins: entry points in the ``tensorflux`` group, through pluggy.

The built-in op library and the NumPy backend are plugins too, declared in
pyproject.toml. A plugin that fails to import or to register is reported as a warning
naming it, registers nothing (its registrations are staged and kept only when all its
hooks succeed), and the others keep working. ``TENSORFLUX_PLUGINS=name1,name2`` restricts
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
    """(name, module, load, distribution) of each entry point in the group."""
    eps = [(ep.name, ep.value, ep.load, _distribution(ep))
           for ep in metadata.entry_points(group=GROUP)]
    try:
        metadata.distribution("tensorflux")
    except metadata.PackageNotFoundError:
        names = {n for n, _, _, _ in eps}
        for name, module in _BUILTIN_FALLBACK.items():
            if name not in names:
                eps.append((name, module, lambda m=module: importlib.import_module(m), None))
    return eps


def _distribution(entry_point):
    dist = getattr(entry_point, "dist", None)
    return None if dist is None else {"name": dist.name, "version": dist.version}


# The registration hooks, in the order they run, and what their registrations are.
_HOOKS = (("tensorflux_register_backends", "backend"),
          ("tensorflux_register_internal_modules", "internal"),
          ("tensorflux_register_ops", "op"),
          ("tensorflux_register_kernels", "kernel"))
_ARRAY_HOOK = "tensorflux_register_array_kernels"


class _Staging:
    """Collects each plugin's registrations until all its hooks have run: a plugin
    whose hook raises, or whose registrations the registry refuses, registers nothing."""

    def __init__(self):
        self.staged: dict[str, list] = {}
        self.failed: dict[str, str] = {}

    def run(self, impl, hook_name, kind, **kwargs):
        plugin = impl.plugin_name
        if plugin in self.failed:
            return
        items = self.staged.setdefault(plugin, [])
        backend = kwargs.get("backend")

        def register(*args, **kw):
            items.append((kind, args, kw if backend is None else dict(kw, backend=backend)))

        try:
            impl.function(register=register, **kwargs)
        except Exception as exc:
            self.failed[plugin] = f"failed in {hook_name}: {type(exc).__name__}: {exc}"

    def commit(self, registry):
        """Commit the registrations of every plugin that has not failed."""
        for plugin, items in self.staged.items():
            if plugin not in self.failed:
                try:
                    registry.commit(plugin, items)
                except Exception as exc:
                    self.failed[plugin] = f"failed to register: {type(exc).__name__}: {exc}"

    def warn(self, what="nothing it registers is kept"):
        for plugin, error in self.failed.items():
            warnings.warn(f"tensorflux plugin {plugin!r} {error}; {what}",
                          PluginLoadWarning, stacklevel=4)


def _array_backends(staging: _Staging):
    """The backends with an array namespace that plugins (not failed so far) registered."""
    from tensorflux.core.registry import Backend
    return [args[0] for plugin, items in staging.staged.items() if plugin not in staging.failed
            for kind, args, _ in items
            if kind == "backend" and args and isinstance(args[0], Backend)
            and args[0].array_namespace is not None]


def load_plugins(registry) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name, value, load, distribution in _entry_points():
        if not _wanted(name):
            continue
        if pm.get_plugin(name) is not None:
            warnings.warn(f"tensorflux plugin {name!r} ({value}) is declared twice; "
                          f"the second one is ignored", PluginLoadWarning, stacklevel=2)
            continue
        entry = {"name": name, "module": value, "distribution": distribution}
        try:
            module = load()
            pm.register(module, name=name)
        except Exception as exc:
            warnings.warn(f"tensorflux plugin {name!r} ({value}) failed to load: "
                          f"{type(exc).__name__}: {exc}", PluginLoadWarning, stacklevel=2)
            registry.plugins[name] = dict(entry, loaded=False, error=f"{type(exc).__name__}: {exc}")
            continue
        registry.plugins[name] = dict(entry, loaded=True, error=None)
    registry.plugin_manager = pm

    staging = _Staging()
    for hook_name, kind in _HOOKS:
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            staging.run(impl, hook_name, kind)
    for backend in _array_backends(staging):
        for impl in getattr(pm.hook, _ARRAY_HOOK).get_hookimpls():
            staging.run(impl, _ARRAY_HOOK, "kernel", backend=backend.name,
                        load_xp=backend.array_namespace)
    staging.commit(registry)
    staging.warn()
    for plugin, error in staging.failed.items():
        registry.plugins[plugin].update(loaded=False, error=error)
        pm.unregister(name=plugin)
    return pm


def register_array_kernels_for(registry, backend):
    """Run every loaded plugin's ``tensorflux_register_array_kernels`` for a backend
    registered later (the strict CuPy stand-in of ``tensorflux.testing``)."""
    registry.ensure_loaded()
    staging = _Staging()
    for impl in getattr(registry.plugin_manager.hook, _ARRAY_HOOK).get_hookimpls():
        staging.run(impl, _ARRAY_HOOK, "kernel", backend=backend.name,
                    load_xp=backend.array_namespace)
    staging.commit(registry)
    staging.warn(f"none of its array kernels is registered for {backend.name!r}")
