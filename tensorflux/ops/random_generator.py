"""``tf.random.Generator``: a random number generator whose state is a variable, with
``tf.random.create_rng_state``, ``get_global_generator``, ``set_global_generator`` and
the ``Algorithm`` enum.

The state is TF's Philox layout, an int64 variable ``[counter_low, counter_high, key]``
made by ``create_rng_state`` as TF makes it. Each draw op feeds (key mixed with the op's
number, counter) as the seed of the matching stateless op and then advances the
counter, so every run of a draw gives new numbers, two draws of one run differ, and a
generator made from the same seed repeats the same sequence. The numbers are
tensorflux's stateless streams (NumPy's Philox), not TF's bit for bit; their
distributions are.
"""
from __future__ import annotations

import enum
import weakref

import numpy as np

from tensorflux.core import dtypes
from tensorflux.core.graph import control_dependencies, get_default_graph, name_scope
from tensorflux.ops import array_ops, manip_ops, math_ops, random_dist_ops
from tensorflux.ops.constant_op import convert_to_tensor

_STATE_SIZE = 3
_MIX = 0x9E3779B97F4A7C15  # odd 64-bit constants that spread the draws' and splits' numbers
_SPLIT_MIX = 0xC2B2AE3D27D4EB4F


class Algorithm(enum.Enum):
    """The bit generators TF's stateful generator knows (tensorflux draws with Philox)."""
    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _algorithm(alg):
    if alg is None:
        return Algorithm.PHILOX
    if isinstance(alg, Algorithm):
        return alg
    if isinstance(alg, str):
        names = {"philox": Algorithm.PHILOX, "threefry": Algorithm.THREEFRY,
                 "auto_select": Algorithm.AUTO_SELECT}
        if alg.lower() not in names:
            raise ValueError(f"Unsupported random algorithm {alg!r}: use 'philox', 'threefry' "
                             f"or 'auto_select'")
        return names[alg.lower()]
    return Algorithm(int(alg))


def create_rng_state(seed, alg):
    """The int64 state vector a generator of algorithm ``alg`` starts from for the
    integer ``seed``: its 64-bit words, lowest first (a negative seed in two's
    complement), padded to the state's size."""
    _algorithm(alg)
    seed = int(seed)
    words = []
    for _ in range(_STATE_SIZE):
        words.append(seed & ((1 << 64) - 1))
        seed >>= 64
    return np.array(words, np.uint64).astype(np.int64)


class Generator:
    """A stateful random number generator (``from_seed``, ``from_state``,
    ``from_key_counter``, ``from_non_deterministic_state``) with TF's draw methods."""

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("Generator: give copy_from, or state and alg, not both")
            state, alg = copy_from.state, copy_from.algorithm
        if state is None:
            raise ValueError("Generator needs a state: use Generator.from_seed(seed) or "
                             "Generator.from_non_deterministic_state()")
        from tensorflux.ops.variables import Variable
        self._alg = _algorithm(alg)
        initial = state if not isinstance(state, Variable) else state.initialized_value()
        initial = convert_to_tensor(initial, dtype=dtypes.int64, name="state")
        if initial.shape.as_tuple() not in (None, (_STATE_SIZE,)):
            raise ValueError(f"The state of a {self._alg.name} generator has {_STATE_SIZE} "
                             f"entries, got shape {initial.shape}")
        self._initial = initial
        self._state = Variable(initial, trainable=False, name="StatefulRNGState")
        self._draws = 0
        self._splits = 0

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def from_state(cls, state, alg):
        return cls(state=state, alg=alg)

    @classmethod
    def from_seed(cls, seed, alg=None):
        alg = _algorithm(alg)
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        seed = int.from_bytes(np.random.SeedSequence().generate_state(2, np.uint64).tobytes(), "little")
        return cls.from_seed(seed, alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        counter = [int(c) for c in np.ravel(counter)]
        if len(counter) != _STATE_SIZE - 1:
            raise ValueError(f"counter must have {_STATE_SIZE - 1} entries, got {counter}")
        return cls(state=np.array(counter + [int(key)], np.int64), alg=alg)

    # --- state -------------------------------------------------------------------------------
    @property
    def state(self):
        """The state variable ``[counter_low, counter_high, key]``."""
        return self._state

    @property
    def algorithm(self):
        return self._alg.value

    @property
    def key(self):
        return self._state.read_value()[-1]

    def reset(self, state):
        """An op that sets the state."""
        return self._state.assign(convert_to_tensor(state, dtype=dtypes.int64))

    def reset_from_seed(self, seed):
        return self.reset(create_rng_state(seed, self._alg))

    def reset_from_key_counter(self, key, counter):
        return self.reset(np.array([int(c) for c in np.ravel(counter)] + [int(key)], np.int64))

    def skip(self, delta):
        """An op that advances the counter by ``delta`` draws."""
        return self._state.assign_add(convert_to_tensor([int(delta), 0, 0], dtype=dtypes.int64))

    def _seed(self, name):
        """The seed of one draw: the key mixed with the draw's number, and the counter."""
        self._draws += 1
        state = self._state.read_value()
        mixed = (self._draws * _MIX) & ((1 << 64) - 1)
        mix = convert_to_tensor(np.array(mixed, np.uint64).astype(np.int64), name="draw")
        return array_ops.stack([state[2] + mix, state[0]], name=name)

    def _draw(self, name, make):
        with name_scope(name, "stateful_random"):
            seed = self._seed("seed")
            value = make(seed)
            with control_dependencies([value]):
                advance = self._state.assign_add(convert_to_tensor([1, 0, 0], dtype=dtypes.int64))
            with control_dependencies([advance]):
                return array_ops.identity(value)

    # --- draws -------------------------------------------------------------------------------
    def normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        return self._draw(name or "stateful_normal", lambda s: random_dist_ops.stateless_random_normal(
            shape, s, mean=mean, stddev=stddev, dtype=dtype))

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None):
        return self._draw(name or "stateful_truncated_normal",
                          lambda s: random_dist_ops.stateless_truncated_normal(
                              shape, s, mean=mean, stddev=stddev, dtype=dtype))

    def uniform(self, shape, minval=0, maxval=None, dtype=dtypes.float32, name=None):
        return self._draw(name or "stateful_uniform", lambda s: random_dist_ops.stateless_random_uniform(
            shape, s, minval=minval, maxval=maxval, dtype=dtype))

    def uniform_full_int(self, shape, dtype=dtypes.uint64, name=None):
        """Integers over the whole range of ``dtype``."""
        dtype = dtypes.as_dtype(dtype)
        if dtype not in (dtypes.int32, dtypes.int64, dtypes.uint32, dtypes.uint64):
            raise TypeError(f"uniform_full_int supports int32, int64, uint32 and uint64, got {dtype.name}")
        return self._draw(name or "stateful_uniform_full_int", lambda s: _full_int(shape, s, dtype))

    def binomial(self, shape, counts, probs, dtype=dtypes.int32, name=None):
        return self._draw(name or "stateful_binomial", lambda s: random_dist_ops.stateless_random_binomial(
            shape, s, counts=counts, probs=probs, output_dtype=dtype))

    def make_seeds(self, count=1):
        """A [2, count] int64 tensor of seeds for stateless ops."""
        return self._draw("make_seeds", lambda s: _full_int([2, int(count)], s, dtypes.int64))

    def split(self, count=1):
        """``count`` new generators, each with its own key derived from this one's
        initial state (so their variables initialize on their own, in any order)."""
        out = []
        for _ in range(int(count)):
            self._splits += 1
            mixed = (self._splits * _SPLIT_MIX) & ((1 << 64) - 1)
            key = np.array([0, 0, mixed], np.uint64).astype(np.int64)
            out.append(Generator(state=self._initial + convert_to_tensor(key), alg=self._alg))
        return out


def _full_int(shape, seed, dtype):
    """Integers over all of ``dtype``'s range: 32-bit words drawn with ``seed`` (two of
    them, wrapping, for 64 bits)."""
    word = 1 << 32

    def words(s):
        return random_dist_ops.stateless_random_uniform(shape, s, minval=0, maxval=word,
                                                        dtype=dtypes.int64)
    low = words(seed)
    if dtype in (dtypes.int32, dtypes.uint32):
        shifted = low - (1 << 31) if dtype == dtypes.int32 else low
        return math_ops.cast(shifted, dtype)
    high = words(seed + convert_to_tensor(np.int64([0, 1])))
    value = high * word + low  # wraps around int64, covering all of its values
    return value if dtype == dtypes.int64 else manip_ops.bitcast(value, dtypes.uint64)


_GLOBAL = weakref.WeakKeyDictionary()


def get_global_generator():
    """The generator of the default graph (made from a non-deterministic seed when first
    asked for, or the one ``set_global_generator`` gave)."""
    graph = get_default_graph()
    if graph not in _GLOBAL:
        _GLOBAL[graph] = Generator.from_non_deterministic_state()
    return _GLOBAL[graph]


def set_global_generator(generator):
    """Make ``generator`` the one ``get_global_generator`` returns (in the default graph)."""
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator needs a tf.random.Generator, got "
                        f"{type(generator).__name__}")
    _GLOBAL[get_default_graph()] = generator
