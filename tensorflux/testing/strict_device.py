"""A strict stand-in for CuPy on the CPU, so that the device kernels run in every test run.

The CuPy backend's kernels are the shared ones of ``tensorflux.backends``, written
against an array namespace ``xp``. Without a GPU they would never run, and the mistakes
only a device shows (a kernel that hands a NumPy array to a device function, or turns a
device array into a NumPy one behind the scenes) would go unseen. This module gives
those kernels a namespace with CuPy's rules, computed by NumPy:

- arrays are ``DeviceArray`` objects, not NumPy arrays. ``np.asarray(a)`` raises
  TypeError as CuPy does; ``a.get()`` and ``xp.asnumpy(a)`` copy to the host, and
  ``xp.asarray(host_array)`` copies to the "device";
- functions, ufuncs, operators and indexing refuse NumPy arrays (TypeError) and accept
  Python and NumPy scalars; ufuncs refuse lists and tuples too. NumPy functions called
  on device arrays run on the device (CuPy implements NumPy's dispatch protocols);
- reductions return 0-d arrays, not scalars; ``int()``, ``float()``, ``bool()`` and
  ``.item()`` work (on a GPU they wait for the device); there is no ``__index__``;
- ``a.flags`` has only ``c_contiguous``, ``f_contiguous`` and ``owndata``;
- ``linalg.inv`` of a singular matrix returns non-finite values instead of raising;
- arrays hold numbers only: strings and objects cannot move to the device;
- ``fuse`` runs the function as written and counts one operation, as one launch;
- where CuPy is installed, a function or method that CuPy lacks raises AttributeError,
  and a keyword argument that CuPy's version of the function lacks raises TypeError.

``simulated_gpu()`` registers a backend named ``strictgpu`` (device type GPU) with the
shared kernels built on this namespace, the way the CuPy plugin registers its own, and
with the array kernels of every plugin (``tensorflux_register_array_kernels``).
``operation_count()`` tells how many array operations ran on the stand-in: each would
be (at least) one kernel launch on a GPU, which is what small batches are bound by.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import operator
import re
import types

import numpy as np

NAME = "strictgpu"
_operations = [0]


def operation_count() -> int:
    """Array operations (function calls, operators, indexing) run on the stand-in so far."""
    return _operations[0]


@functools.lru_cache(maxsize=1)
def _cupy():
    """CuPy's namespace when it imports (a GPU is not needed), to check names against."""
    try:
        import cupy
        return cupy
    except Exception:  # not installed, or no CUDA libraries
        return None


_SIGNATURE_LINE = re.compile(r"^[\w.]+\((.*)\)")


@functools.lru_cache(maxsize=None)
def _keywords(cupy_callable):
    """The keyword names a CuPy callable accepts, or None when it takes ``**kwargs`` or
    its signature is unknown. Compiled CuPy functions state theirs on the docstring's
    first line."""
    try:
        params = inspect.signature(cupy_callable).parameters.values()
    except (TypeError, ValueError):
        doc = (getattr(cupy_callable, "__doc__", None) or "").strip()
        match = _SIGNATURE_LINE.match(doc.splitlines()[0]) if doc else None
        if match is None:
            return None
        names = set()
        for part in match.group(1).split(","):
            part = part.replace("\\", "").strip()
            if part.startswith("**"):
                return None
            name = part.split("=")[0].split(":")[0].strip().lstrip("*")
            if name not in ("", "/", "self"):
                names.add(name)
        return frozenset(names)
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def _check_keywords(cupy_callable, kwargs, label):
    if cupy_callable is None or not kwargs:
        return
    accepted = _keywords(cupy_callable)
    if accepted is not None and not accepted.issuperset(kwargs):
        raise TypeError(f"{label}() in CuPy {getattr(_cupy(), '__version__', '?')} has no keyword argument "
                        f"{sorted(set(kwargs) - accepted)}: the kernel would fail on a GPU")


def _unwrap(x):
    if type(x) is DeviceArray:
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(
            f"Unsupported type {type(x)}: a NumPy array {x.shape} reached a device function "
            f"(CuPy refuses it); move it with xp.asarray, or declare the kernel input as "
            f"host memory")
    if type(x) in (list, tuple):
        return type(x)(_unwrap(i) for i in x)
    return x


def _wrap(x):
    if isinstance(x, np.ndarray):
        return DeviceArray(x)
    if isinstance(x, np.generic):  # CuPy returns 0-d arrays where NumPy returns scalars
        return DeviceArray(np.asarray(x))
    if isinstance(x, (list, tuple)):  # NumPy's named results (QRResult) are plain in CuPy
        return (list if isinstance(x, list) else tuple)(_wrap(i) for i in x)
    return x


def _call(fn, args, kwargs):
    _operations[0] += 1
    return _wrap(fn(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))


class _Flags:
    """The flags CuPy arrays have (no ``writeable``: device arrays are always writable)."""

    def __init__(self, flags):
        self.c_contiguous = flags.c_contiguous
        self.f_contiguous = flags.f_contiguous
        self.owndata = flags.owndata


class DeviceArray:
    """An array on the simulated device: a NumPy array behind CuPy's interface."""

    __slots__ = ("_a",)
    __hash__ = None

    def __init__(self, array: np.ndarray):
        self._a = array

    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(ufunc if method == "__call__" else getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _call(func, args, kwargs)

    def get(self):
        return self._a.copy()

    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    T = property(lambda self: DeviceArray(self._a.T))
    flags = property(lambda self: _Flags(self._a.flags))
    base = property(lambda self: None if self._a.base is None else DeviceArray(self._a.base))

    def __getattr__(self, name):
        if name.startswith("__"):  # no __array_interface__ & co: NumPy must not see through
            raise AttributeError(name)
        cupy = _cupy()
        if cupy is not None and not hasattr(cupy.ndarray, name):
            raise AttributeError(f"cupy.ndarray has no attribute {name!r}")
        attr = getattr(self._a, name)
        if callable(attr):
            method = getattr(cupy.ndarray, name) if cupy is not None else None

            def call(*args, **kwargs):
                _check_keywords(method, kwargs, f"cupy.ndarray.{name}")
                return _call(attr, args, kwargs)
            return call
        return _wrap(attr)

    def __getitem__(self, key):
        _operations[0] += 1
        return _wrap(self._a[_unwrap(key)])

    def __setitem__(self, key, value):
        _operations[0] += 1
        self._a[_unwrap(key)] = _unwrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(x) for x in self._a)

    def __int__(self):
        return int(self._a)

    def __float__(self):
        return float(self._a)

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"DeviceArray({self._a!r})"


def _binary(method):
    def run(self, other):
        _operations[0] += 1
        return _wrap(getattr(self._a, method)(_unwrap(other)))
    return run


def _inplace(method):
    def run(self, other):
        _operations[0] += 1
        getattr(self._a, method)(_unwrap(other))
        return self
    return run


def _unary(fn):
    def run(self):
        _operations[0] += 1
        return _wrap(fn(self._a))
    return run


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
              "and", "or", "xor"):
    setattr(DeviceArray, f"__{_name}__", _binary(f"__{_name}__"))
    setattr(DeviceArray, f"__r{_name}__", _binary(f"__r{_name}__"))
    setattr(DeviceArray, f"__i{_name}__", _inplace(f"__i{_name}__"))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(DeviceArray, f"__{_name}__", _binary(f"__{_name}__"))
for _name, _fn in (("neg", operator.neg), ("pos", operator.pos), ("abs", operator.abs),
                   ("invert", operator.invert)):
    setattr(DeviceArray, f"__{_name}__", _unary(_fn))


class _Ufunc:
    """A NumPy ufunc with CuPy's calling rules; ``reduce``/``at``/... where CuPy has them."""

    def __init__(self, ufunc, cupy_ufunc):
        self._ufunc, self._cupy = ufunc, cupy_ufunc

    def __call__(self, *args, **kwargs):
        _check_keywords(self._cupy, kwargs, f"cupy.{self._ufunc.__name__}")
        for a in args:
            if type(a) in (list, tuple):  # CuPy's ufuncs take arrays and scalars only
                raise TypeError(f"Unsupported type {type(a)} for cupy.{self._ufunc.__name__}")
        return _call(self._ufunc, args, kwargs)

    def __getattr__(self, method):
        if self._cupy is not None and not hasattr(self._cupy, method):
            raise AttributeError(f"cupy.{self._ufunc.__name__} has no method {method!r}")
        cupy_method = getattr(self._cupy, method, None)

        def call(*args, **kwargs):
            _check_keywords(cupy_method, kwargs, f"cupy.{self._ufunc.__name__}.{method}")
            return _call(getattr(self._ufunc, method), args, kwargs)
        return call


def _numeric(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind in "OSUV":
        raise ValueError(f"Unsupported dtype {array.dtype}: CuPy arrays hold numbers only")
    return array


def asarray(a, dtype=None):
    """To the device: a NumPy array or Python value is copied, a device array kept."""
    if type(a) is DeviceArray:
        return a if dtype is None else DeviceArray(a._a.astype(dtype, copy=False))
    return DeviceArray(_numeric(np.array(a, dtype=dtype, copy=True)))


def array(a, dtype=None, copy=True):
    if type(a) is DeviceArray:
        return DeviceArray(np.array(a._a, dtype=dtype, copy=copy))
    return DeviceArray(_numeric(np.array(a, dtype=dtype, copy=True)))


def asnumpy(a):
    """To the host, as ``cupy.asnumpy``."""
    return a.get() if type(a) is DeviceArray else np.asarray(a)


class _Namespace:
    """NumPy's functions under CuPy's rules; names missing from CuPy raise AttributeError."""

    def __init__(self, np_module, cupy_module, path):
        self._np, self._cupy_module, self._path = np_module, cupy_module, path

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._cupy_module is not None and not hasattr(self._cupy_module, name):
            raise AttributeError(f"{self._path}.{name} does not exist in CuPy "
                                 f"{_cupy().__version__}: the kernel would fail on a GPU")
        obj = getattr(self._np, name)
        if isinstance(obj, np.ufunc):
            value = _Ufunc(obj, getattr(self._cupy_module, name, None))
        elif isinstance(obj, types.ModuleType):
            value = _Namespace(obj, getattr(self._cupy_module, name, None), f"{self._path}.{name}")
        elif isinstance(obj, type) or not callable(obj):  # dtypes, classes, constants
            value = obj
        else:
            value = _function(obj, getattr(self._cupy_module, name, None), f"{self._path}.{name}")
        setattr(self, name, value)
        return value


def _function(fn, cupy_fn, label):
    def call(*args, **kwargs):
        _check_keywords(cupy_fn, kwargs, label)
        return _call(fn, args, kwargs)
    return call


def _inv(a):
    """``cupy.linalg.inv``: a singular matrix gives non-finite values, not an error
    (CuPy raises only under ``cupyx.errstate(linalg="raise")``)."""
    _operations[0] += 1
    x = _unwrap(a)
    try:
        return DeviceArray(np.linalg.inv(x))
    except np.linalg.LinAlgError:
        return DeviceArray(np.full(x.shape, np.nan, dtype=x.dtype))


def fuse(kernel_name=None):
    """``cupy.fuse``: the function runs as written, and counts as one operation (one
    kernel launch on a GPU). As inside CuPy's fusion, its arguments must be arrays or
    scalars."""
    def decorate(function):
        def fused(*args):
            before = _operations[0]
            for a in args:
                if not isinstance(a, (DeviceArray, int, float, np.generic)):
                    raise TypeError(f"cupy.fuse {kernel_name}: unsupported argument {type(a)}")
            out = function(*args)
            _operations[0] = before + 1
            return out
        return fused
    return decorate


class _Deferred:
    """A namespace made when first used, so that SciPy is imported only by the kernels
    that need it."""

    def __init__(self, make):
        self._make, self._namespace = make, None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._namespace is None:
            self._namespace = self._make()
        return getattr(self._namespace, name)


def _special_namespace():
    """``scipy.special`` under CuPy's rules, checked against ``cupyx.scipy.special``."""
    import scipy.special
    try:
        import cupyx.scipy.special as cupy_special
    except Exception:
        cupy_special = None
    return _Namespace(scipy.special, cupy_special, "cupyx.scipy.special")


def namespace() -> _Namespace:
    """The strict array namespace (a fresh object; cheap). ``xp.scipy_special`` stands
    in for ``cupyx.scipy.special``."""
    xp = _Namespace(np, _cupy(), "cupy")
    xp.asarray, xp.array, xp.asnumpy, xp.ndarray = asarray, array, asnumpy, DeviceArray
    xp.linalg.inv, xp.fuse = _inv, fuse
    xp.scipy_special = _Deferred(_special_namespace)
    return xp


@contextlib.contextmanager
def simulated_gpu(priority: int = 100):
    """Register the ``strictgpu`` backend (device type GPU) while the block runs, with
    the built-in kernels and every plugin's array kernels
    (``tensorflux_register_array_kernels``) built on the strict namespace.

    With the default priority it outranks a real GPU, so unplaced ops and ops placed on
    ``/gpu:0`` run on it."""
    from tensorflux.backends.array_backend import register_array_kernels
    from tensorflux.core.plugins import register_array_kernels_for
    from tensorflux.core.registry import Backend, registry

    registry.ensure_loaded()
    if NAME in registry.backends:  # already active (a whole test run on it)
        yield NAME
        return
    xp = namespace()
    backend = Backend(NAME, device_type="GPU", is_available=lambda: True, to_host=asnumpy,
                      from_host=asarray, priority=priority, strings=False,
                      description="NumPy behind CuPy's rules (tests only)",
                      array_namespace=lambda: xp)
    registry.register_backend(backend, plugin="tensorflux.testing")
    try:
        register_array_kernels(functools.partial(registry.register_kernel, plugin="tensorflux.testing"),
                               NAME, lambda: xp)
        register_array_kernels_for(registry, backend)
        yield NAME
    finally:
        registry.unregister_backend(NAME)
