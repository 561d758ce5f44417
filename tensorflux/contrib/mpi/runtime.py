"""The MPI runtime behind ``tensorflux.contrib.mpi``: one communicator and the three
collectives (allreduce, allgather, broadcast) on NumPy arrays, through mpi4py.

Every collective first agrees on what it is about to move: each rank contributes a
64-bit digest of the op, its attrs and every tensor's name, dtype and shape, in one small
allgather. When the digests differ, the ranks exchange the full descriptions and all of
them raise the same ``InvalidArgumentError`` naming the tensor and the ranks; no rank
ever starts a data transfer its peers do not match, so a mismatch cannot hang.

Data moves in nonblocking calls polled against a deadline (``timeout`` seconds, 60 by
default or ``TENSORFLUX_MPI_TIMEOUT``): when a peer has died, hangs or took another code
path, the waiting ranks raise ``DeadlineExceededError`` instead of waiting forever.
After that the communicator cannot be trusted, so later collectives raise
``AbortedError`` and the process aborts the MPI job when it exits. An uncaught exception
on any rank aborts the whole job at once (``MPI_Abort`` from ``sys.excepthook``), which
``mpiexec`` turns into the end of every rank.

mpi4py is imported by ``init()``, never by ``import tensorflux``.
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import time

import numpy as np

from tensorflux.core import errors

INSTALL_HINT = ("tensorflux.contrib.mpi needs mpi4py and an MPI library: install the "
                "'mpi' extra, pip install 'tensorflux[mpi]' (mpi4py and the mpich wheel, "
                "which ships mpiexec)")
DEFAULT_TIMEOUT = 60.0
DEFAULT_FUSION_THRESHOLD = 64 * 1024 * 1024  # bytes, Horovod's default
_ABORT_GRACE_SECONDS = 0.5  # lets mpiexec forward a dying rank's traceback

_state = None  # the Runtime once init() has run


def mpi_module():
    """``mpi4py.MPI`` (importing it initializes MPI), or an ImportError naming the extra."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(f"{INSTALL_HINT} ({exc})") from exc
    return MPI


def fusion_threshold_from_env() -> int:
    """``HOROVOD_FUSION_THRESHOLD`` (bytes; 0 turns fusion off), the variable Horovod
    reads, so a Horovod job's settings carry over; 64 MiB when unset."""
    value = os.environ.get("HOROVOD_FUSION_THRESHOLD", "")
    try:
        threshold = int(value) if value else DEFAULT_FUSION_THRESHOLD
    except ValueError:
        raise ValueError(f"HOROVOD_FUSION_THRESHOLD must be a number of bytes, got {value!r}") from None
    if threshold < 0:
        raise ValueError(f"HOROVOD_FUSION_THRESHOLD must be >= 0, got {threshold}")
    return threshold


class Stats:
    """What the collectives did since the last ``reset``: MPI calls started, seconds
    spent inside collectives (waiting included) and payload bytes sent."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.calls = 0
        self.seconds = 0.0
        self.bytes = 0


class Runtime:
    """The state of one ``init()``: the communicator, this process's place in it, and
    the collectives."""

    def __init__(self, MPI, comm, timeout):
        self.MPI = MPI
        self.comm = comm
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        self.local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = self.local.Get_rank(), self.local.Get_size()
        self.timeout = float(timeout)
        self.failure = None  # the message of the collective that timed out
        self.stats = Stats()

    # --- waiting ------------------------------------------------------------------
    def _start(self, what):
        if self.failure is not None:
            raise errors.AbortedError(
                None, None, f"{what}: an earlier collective failed ({self.failure}); the MPI "
                            f"job cannot continue. Restart it from the last checkpoint.")
        self.stats.calls += 1

    def _wait(self, request, what):
        """Poll ``request`` until it completes or the deadline passes."""
        if request.Test():
            return
        deadline = time.monotonic() + self.timeout
        delay = 0.0
        while not request.Test():
            now = time.monotonic()
            if now > deadline:
                self.failure = (f"{what} did not complete within {self.timeout:g} s on rank "
                                f"{self.rank} of {self.size}")
                raise errors.DeadlineExceededError(
                    None, None, f"{self.failure}: another rank has died, hangs, or took a "
                                f"different path through the program. Set "
                                f"TENSORFLUX_MPI_TIMEOUT or init(timeout=...) if steps are "
                                f"legitimately slower.")
            # Poll at once, then back off to 0.2 ms between polls: a late peer costs at
            # most that much extra latency, and a waiting rank leaves the cores to the
            # ranks still computing (several ranks may share a machine).
            if delay:
                time.sleep(delay)
            delay = min(2e-4, delay * 2 or 1e-5)

    def _call(self, what, start, nbytes=0):
        self._start(what)
        self.stats.bytes += nbytes
        self._wait(start(), what)

    # --- agreeing on what moves ---------------------------------------------------------
    def agree(self, what, description, per_rank=()):
        """Check that every rank describes the same collective; returns the ``per_rank``
        integers of every rank as an array [size, len(per_rank)].

        ``description`` is a dict with the op ``name``, ``attrs`` and ``tensors`` (a list
        of [name, dtype, shape]) that must be identical on all ranks."""
        text = json.dumps(description, sort_keys=True, separators=(",", ":")).encode()
        digest = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "little") >> 1
        mine = np.array([digest, *per_rank], dtype=np.int64)
        everyone = np.empty((self.size, mine.size), dtype=np.int64)
        MPI = self.MPI
        t0 = time.perf_counter()
        try:
            self._call(f"{what} (metadata)", lambda: self.comm.Iallgather(
                [mine, MPI.INT64_T], [everyone, MPI.INT64_T]))
            if np.all(everyone[:, 0] == digest):
                return everyone[:, 1:]
            descriptions = self._gather_bytes(what, text)
        finally:
            self.stats.seconds += time.perf_counter() - t0
        raise errors.InvalidArgumentError(None, None, describe_mismatch(what, descriptions))

    def _gather_bytes(self, what, data: bytes):
        """Every rank's ``data`` (JSON), decoded; used only to explain a mismatch."""
        MPI = self.MPI
        mine = np.frombuffer(data, dtype=np.uint8)
        length = np.array([mine.size], np.int64)  # buffers live until the call completes
        lengths = np.empty(self.size, dtype=np.int64)
        self._call(f"{what} (metadata)", lambda: self.comm.Iallgather(
            [length, MPI.INT64_T], [lengths, MPI.INT64_T]))
        received = np.empty(int(lengths.sum()), dtype=np.uint8)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self._call(f"{what} (metadata)", lambda: self.comm.Iallgatherv(
            [mine, MPI.BYTE], [received, lengths, offsets, MPI.BYTE]))
        return [json.loads(received[o:o + n].tobytes()) for o, n in zip(offsets, lengths)]

    # --- collectives --------------------------------------------------------------------
    def allreduce(self, arrays, what, names, average=True, fusion_threshold=0,
                  compression="none"):
        """Sum (or average) each array across ranks. The arrays of one dtype are packed
        into one flat buffer reduced in pieces of at most ``fusion_threshold`` bytes (0:
        one call per array, no fusion). ``compression="fp16"`` sends floating-point
        values as float16, as Horovod's ``Compression.fp16``."""
        self.agree(what, {"op": "allreduce", "name": what, "tensors": _describe(names, arrays),
                          "attrs": [average, fusion_threshold, compression]})
        outputs = [None] * len(arrays)
        t0 = time.perf_counter()
        try:
            for wire, indices in _groups(arrays, compression).items():
                flat, bounds = _pack([arrays[i] for i in indices], wire)
                for lo, hi in _pieces(bounds, flat.itemsize, fusion_threshold):
                    piece = flat[lo:hi]
                    self._call(what, lambda: self.comm.Iallreduce(
                        self.MPI.IN_PLACE, piece, op=self.MPI.SUM), piece.nbytes)
                for i, (lo, hi) in zip(indices, bounds):
                    out = flat[lo:hi].reshape(arrays[i].shape).astype(arrays[i].dtype, copy=False)
                    if average:
                        out = out / np.array(self.size, dtype=out.dtype)
                    outputs[i] = out
        finally:
            self.stats.seconds += time.perf_counter() - t0
        return outputs

    def allgather(self, array, what, name):
        """Concatenate every rank's ``array`` along the first dimension, in rank order
        (the first dimension may differ per rank, the others may not)."""
        if array.ndim == 0:
            raise errors.InvalidArgumentError(
                None, None, f"{what}: allgather concatenates along the first dimension; "
                            f"{name} is a scalar")
        rows = self.agree(what, {"op": "allgather", "name": what,
                                 "tensors": [[name, array.dtype.str, ["?", *array.shape[1:]]]],
                                 "attrs": []}, per_rank=[array.shape[0]])[:, 0]
        row = int(np.prod(array.shape[1:], dtype=np.int64))
        out = np.empty((int(rows.sum()),) + array.shape[1:], dtype=array.dtype)
        counts = rows * row
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        send = np.ascontiguousarray(array)
        t0 = time.perf_counter()
        try:
            if out.size:
                from mpi4py.util.dtlib import from_numpy_dtype
                datatype = from_numpy_dtype(array.dtype)
                self._call(what, lambda: self.comm.Iallgatherv(
                    [send, datatype], [out, counts, offsets, datatype]), send.nbytes)
        finally:
            self.stats.seconds += time.perf_counter() - t0
        return out

    def broadcast(self, arrays, what, names, root_rank, fusion_threshold=0):
        """Every rank gets ``root_rank``'s arrays (packed per dtype like allreduce)."""
        if not 0 <= root_rank < self.size:
            raise errors.InvalidArgumentError(
                None, None, f"{what}: root_rank {root_rank} is not a rank of this job "
                            f"(size {self.size})")
        self.agree(what, {"op": "broadcast", "name": what, "tensors": _describe(names, arrays),
                          "attrs": [root_rank, fusion_threshold]})
        outputs = [None] * len(arrays)
        t0 = time.perf_counter()
        try:
            for wire, indices in _groups(arrays, "none").items():
                flat, bounds = _pack([arrays[i] for i in indices], wire)
                for lo, hi in _pieces(bounds, flat.itemsize, fusion_threshold):
                    piece = flat[lo:hi]
                    self._call(what, lambda: self.comm.Ibcast(piece, root=root_rank), piece.nbytes)
                for i, (lo, hi) in zip(indices, bounds):
                    outputs[i] = flat[lo:hi].reshape(arrays[i].shape)
        finally:
            self.stats.seconds += time.perf_counter() - t0
        return outputs

    # --- failures ---------------------------------------------------------------------
    def abort(self, code=1):
        """End every rank of the job (``MPI_Abort``)."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        # MPI_Abort kills every rank at once; the launcher may drop output it has not yet
        # forwarded, so give it a moment to pass on this rank's traceback first.
        time.sleep(_ABORT_GRACE_SECONDS)
        self.comm.Abort(code)


def _describe(names, arrays):
    return [[n, a.dtype.str, list(a.shape)] for n, a in zip(names, arrays)]


def _groups(arrays, compression):
    """{wire dtype: indices of the arrays sent as that dtype}, in first-seen order."""
    groups = {}
    for i, a in enumerate(arrays):
        wire = a.dtype
        if compression == "fp16" and a.dtype.kind == "f":
            wire = np.dtype(np.float16)
        groups.setdefault(wire, []).append(i)
    return groups


def _pack(arrays, wire):
    """One flat buffer of dtype ``wire`` holding ``arrays``, and each one's (lo, hi)."""
    sizes = [a.size for a in arrays]
    ends = np.cumsum(sizes).tolist()
    bounds = list(zip([0] + ends[:-1], ends))
    flat = np.empty(ends[-1] if ends else 0, dtype=wire)
    for a, (lo, hi) in zip(arrays, bounds):
        flat[lo:hi] = a.ravel()
    return flat, bounds


def _pieces(bounds, itemsize, threshold):
    """The (lo, hi) element ranges of the flat buffer sent per MPI call: with a
    threshold, as few as possible of at most ``threshold`` bytes each (at least one
    element); without (0), one per array. Empty ranges are never sent."""
    if threshold <= 0:
        return [(lo, hi) for lo, hi in bounds if hi > lo]
    total = bounds[-1][1] if bounds else 0
    step = max(1, threshold // itemsize)
    return [(lo, min(lo + step, total)) for lo in range(0, total, step)]


def describe_mismatch(what, descriptions) -> str:
    """A message naming what differs between the ranks' descriptions and which ranks."""
    def ranks(rs):
        return ("rank " if len(rs) == 1 else "ranks ") + ", ".join(map(str, rs))

    def by_value(values):
        groups = {}
        for r, v in enumerate(values):
            groups.setdefault(json.dumps(v), []).append(r)
        return groups

    lines = []
    ops = by_value([[d["op"], d["name"]] for d in descriptions])
    if len(ops) > 1:
        lines += [f"{ranks(rs)} ran {json.loads(k)[0]} {json.loads(k)[1]!r}" for k, rs in ops.items()]
        return (f"{what}: the ranks ran different collectives, so their programs diverged: "
                + "; ".join(lines))
    tensors = [{t[0]: t[1:] for t in d["tensors"]} for d in descriptions]
    every = []
    for ts in tensors:
        every += [n for n in ts if n not in every]
    for name in every:
        have = [r for r, ts in enumerate(tensors) if name in ts]
        if len(have) < len(tensors):
            lacking = [r for r in range(len(tensors)) if r not in have]
            lines.append(f"tensor {name!r} is on {ranks(have)} but not on {ranks(lacking)}")
            continue
        kinds = by_value([ts[name] for ts in tensors])
        if len(kinds) > 1:
            parts = [f"dtype {np.dtype(k[0]).name} shape [{', '.join(map(str, k[1]))}] on {ranks(rs)}"
                     for k, rs in ((json.loads(k), rs) for k, rs in kinds.items())]
            lines.append(f"tensor {name!r} has " + " but ".join(parts))
    if not lines:
        orders = by_value([[t[0] for t in d["tensors"]] for d in descriptions])
        if len(orders) > 1:
            lines.append("the same tensors come in a different order: " + "; ".join(
                f"{json.loads(k)} on {ranks(rs)}" for k, rs in orders.items()))
        attrs = by_value([d["attrs"] for d in descriptions])
        if len(attrs) > 1:
            lines.append("the op's settings differ: " + "; ".join(
                f"{json.loads(k)} on {ranks(rs)}" for k, rs in attrs.items()))
    detail = "; ".join(lines) or "the ranks' descriptions differ"
    return f"{what}: mismatch between ranks: {detail}"


# --- the process-wide state ---------------------------------------------------------------
def init(comm=None, timeout=None):
    """``hvd.init()``: start MPI data parallelism over every process of the job
    (``comm``: an mpi4py communicator, or a list of ranks to use a subset). Collectives
    that do not complete within ``timeout`` seconds (default 60, or
    ``TENSORFLUX_MPI_TIMEOUT``) raise ``DeadlineExceededError``; an uncaught exception on
    any rank aborts the job. Each rank limits its BLAS threads to its share of the
    machine, cores / ``local_size()`` (a Session's
    ``ConfigProto(intra_op_parallelism_threads=n)`` overrides it). Calling it again is
    harmless."""
    global _state
    MPI = mpi_module()
    if comm is None:
        comm = MPI.COMM_WORLD
    elif isinstance(comm, (list, tuple)):
        ranks = [int(r) for r in comm]
        comm = MPI.COMM_WORLD.Create_group(MPI.COMM_WORLD.Get_group().Incl(ranks))
        if comm == MPI.COMM_NULL:
            raise ValueError(f"init({ranks}): this process (rank "
                             f"{MPI.COMM_WORLD.Get_rank()}) is not one of the ranks")
    if timeout is None:
        timeout = float(os.environ.get("TENSORFLUX_MPI_TIMEOUT", DEFAULT_TIMEOUT))
    if _state is not None and _state.comm == comm:
        _state.timeout = float(timeout)
        return
    _state = Runtime(MPI, comm, timeout)
    _install_failure_handlers()
    from tensorflux.core import threads
    threads.set_intra_op_threads(max(1, threads.available_cores() // _state.local_size))


def shutdown():
    """``hvd.shutdown()``: forget the runtime (MPI itself stays initialized until the
    process exits, so a later ``init()`` works)."""
    global _state
    if _state is not None:
        _state.local.Free()
        _state = None


def get(what="tensorflux.contrib.mpi") -> Runtime:
    """The runtime, or an error saying to call ``init()`` (or to install the extra)."""
    if _state is None:
        mpi_module()
        raise ValueError(f"{what}: tensorflux.contrib.mpi has not been initialized; call "
                         f"hvd.init() first")
    return _state


def size():
    """The number of ranks."""
    return get("hvd.size()").size


def rank():
    """This process's rank, 0 .. size() - 1."""
    return get("hvd.rank()").rank


def local_size():
    """The number of ranks on this machine."""
    return get("hvd.local_size()").local_size


def local_rank():
    """This process's rank among the ranks on this machine."""
    return get("hvd.local_rank()").local_rank


def mpi_threads_supported():
    """Whether the MPI library allows calls from several threads (MPI_THREAD_MULTIPLE)."""
    MPI = get("hvd.mpi_threads_supported()").MPI
    return MPI.Query_thread() == MPI.THREAD_MULTIPLE


_handlers_installed = False


def _install_failure_handlers():
    """Abort the MPI job on an uncaught exception, and at exit after a failed collective."""
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    previous = sys.excepthook

    def excepthook(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        if _state is not None and _state.size > 1:
            sys.stderr.write(f"tensorflux.contrib.mpi: uncaught {exc_type.__name__} on rank "
                             f"{_state.rank}; aborting all {_state.size} ranks\n")
            _state.abort(1)

    sys.excepthook = excepthook

    def at_exit():
        # MPI_Finalize waits for peers that may be gone: abort instead.
        if _state is not None and _state.failure is not None and _state.size > 1:
            _state.abort(1)

    atexit.register(at_exit)
