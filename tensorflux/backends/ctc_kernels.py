"""Host kernels of the CTC ops (``tensorflux.ops.ctc_ops``), in NumPy as TF's CPU
kernels: the loss and its gradient by the forward-backward recursions in log space, the
greedy decoder and TF's prefix beam search (``ctc_beam_search.h``: log-softmax scores per
step, a beam of at most ``beam_width`` prefixes)."""
from __future__ import annotations

import numpy as np

from tensorflux.core import errors

_NEG_INF = -np.inf


def _logsumexp(*values):
    return np.logaddexp.reduce(np.stack(np.broadcast_arrays(*values)), axis=0)


def _labels_by_batch(op, indices, values, batch):
    rows = [[] for _ in range(batch)]
    for (b, _), v in zip(indices.tolist(), values.tolist()):
        if not 0 <= b < batch:
            raise errors.InvalidArgumentError(None, op, f"labels batch index {b} is out of "
                                                        f"range [0, {batch})")
        rows[b].append(int(v))
    return rows


def _check_lengths(op, seq_len, max_time, batch):
    if seq_len.shape != (batch,):
        raise errors.InvalidArgumentError(None, op, f"sequence_length must be a vector of "
                                                    f"the batch size {batch}, got {seq_len.shape}")
    if len(seq_len) and (seq_len.max() > max_time or seq_len.min() < 0):
        bad = int(np.argmax((seq_len > max_time) | (seq_len < 0)))
        raise errors.InvalidArgumentError(None, op, f"sequence_length({bad}) <= {max_time}, "
                                                    f"got {int(seq_len[bad])}")


def _ctc_one(logits, labels, merge, blank):
    """(loss, gradient of the loss w.r.t. logits [T, C]) for one sequence."""
    T, C = logits.shape
    z = logits - logits.max(axis=1, keepdims=True)
    log_y = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ext = [blank]
    for l in labels:
        ext += [l, blank]
    ext = np.array(ext)
    U = len(ext)
    same_as_two_back = np.zeros(U, bool)
    same_as_two_back[2:] = ext[2:] == ext[:-2]
    stay = (ext == blank) | merge                       # u -> u allowed
    skip = (ext != blank) & ~(merge & same_as_two_back)  # u - 2 -> u allowed
    skip[:2] = False
    alpha = np.full((T, U), _NEG_INF)
    alpha[0, 0] = log_y[0, ext[0]]
    if U > 1:
        alpha[0, 1] = log_y[0, ext[1]]
    for t in range(1, T):
        prev = alpha[t - 1]
        terms = [np.where(stay, prev, _NEG_INF),
                 np.concatenate([[_NEG_INF], prev[:-1]]),
                 np.where(skip, np.concatenate([[_NEG_INF, _NEG_INF], prev[:-2]]), _NEG_INF)]
        alpha[t] = _logsumexp(*terms) + log_y[t, ext]
    beta = np.full((T, U), _NEG_INF)
    beta[T - 1, U - 1] = 0.0
    if U > 1:
        beta[T - 1, U - 2] = 0.0
    skip_from = np.concatenate([skip[2:], [False, False]])  # u -> u + 2 allowed
    for t in range(T - 2, -1, -1):
        nxt = beta[t + 1] + log_y[t + 1, ext]
        terms = [np.where(stay, nxt, _NEG_INF),
                 np.concatenate([nxt[1:], [_NEG_INF]]),
                 np.where(skip_from, np.concatenate([nxt[2:], [_NEG_INF, _NEG_INF]]), _NEG_INF)]
        beta[t] = _logsumexp(*terms)
    log_p = _logsumexp(alpha[T - 1, U - 1], alpha[T - 1, U - 2] if U > 1 else _NEG_INF)
    if not np.isfinite(log_p):
        return np.inf, np.zeros_like(logits)
    posterior = np.full((T, C), _NEG_INF)
    ab = alpha + beta
    for k in np.unique(ext):
        posterior[:, k] = np.logaddexp.reduce(ab[:, ext == k], axis=1)
    grad = np.exp(log_y) - np.exp(posterior - log_p)
    return -log_p, grad


def _ctc_loss(op, ctx):
    a = op.attrs
    collapse, merge, ignore = (a["preprocess_collapse_repeated"], a["ctc_merge_repeated"],
                               a["ignore_longer_outputs_than_inputs"])

    def run(inputs, indices, values, seq_len):
        T, B, C = inputs.shape
        _check_lengths(op, seq_len, T, B)
        blank = C - 1
        loss = np.zeros(B, inputs.dtype)
        grad = np.zeros(inputs.shape, inputs.dtype)
        for b, labels in enumerate(_labels_by_batch(op, indices, values, B)):
            if any(not 0 <= l < blank for l in labels):
                raise errors.InvalidArgumentError(None, op, f"labels of batch {b} must be in "
                                                            f"[0, num_classes - 1 = {blank}), got {labels}")
            if collapse:
                labels = [l for i, l in enumerate(labels) if i == 0 or l != labels[i - 1]]
            repeats = sum(1 for i in range(1, len(labels)) if labels[i] == labels[i - 1]) if merge else 0
            n = int(seq_len[b])
            if n < len(labels) + repeats:
                if ignore:
                    continue
                raise errors.InvalidArgumentError(
                    None, op, f"Not enough time for target transition sequence (required: "
                              f"{len(labels) + repeats}, available: {n}), batch {b}. You can turn "
                              f"this error into a warning by using the flag "
                              f"ignore_longer_outputs_than_inputs")
            if n == 0:
                continue
            value, g = _ctc_one(inputs[:n, b].astype(np.float64), labels, merge, blank)
            loss[b] = value
            grad[:n, b] = g
        return loss, grad
    return run


def _sparse_paths(op, paths, batch):
    indices = [(b, j) for b, p in enumerate(paths) for j in range(len(p))]
    values = [v for p in paths for v in p]
    width = max((len(p) for p in paths), default=0)
    return (np.array(indices, np.int64).reshape(-1, 2), np.array(values, np.int64),
            np.array([batch, width], np.int64))


def _greedy(op, ctx):
    merge, blank_index = op.attrs["merge_repeated"], op.attrs["blank_index"]

    def run(inputs, seq_len):
        T, B, C = inputs.shape
        _check_lengths(op, seq_len, T, B)
        blank = blank_index if blank_index >= 0 else C + blank_index
        paths, log_prob = [], np.zeros((B, 1), inputs.dtype)
        for b in range(B):
            n = int(seq_len[b])
            best = inputs[:n, b].argmax(axis=1)
            log_prob[b, 0] = -inputs[np.arange(n), b, best].sum()
            path, previous = [], -1
            for k in best.tolist():
                if k != blank and not (merge and k == previous):
                    path.append(k)
                previous = k
            paths.append(path)
        return (*_sparse_paths(op, paths, B), log_prob)
    return run


class _Beam:
    __slots__ = ("parent", "label", "children", "old", "new")

    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, None
        self.old = [_NEG_INF, _NEG_INF, _NEG_INF]   # blank, label, total
        self.new = [_NEG_INF, _NEG_INF, _NEG_INF]

    def active(self):
        return self.new[2] != _NEG_INF

    def labels(self, merge):
        out, previous, beam = [], -1, self
        while beam.parent is not None:
            if not merge or beam.label != previous:
                out.append(beam.label)
            previous, beam = beam.label, beam.parent
        return out[::-1]


def _lse(a, b):
    return float(np.logaddexp(a, b))


def _beam_search(logits, width, top_paths, merge):
    """TF's CTC prefix beam search of one sequence [T, C] (blank C - 1)."""
    C = logits.shape[1]
    blank = C - 1
    root = _Beam(None, -1)
    root.new = [0.0, _NEG_INF, 0.0]
    leaves = [root]
    for row in logits:
        y = row - row.max()
        y = y - np.log(np.exp(y).sum())  # log softmax: the scores are log probabilities
        branches = sorted(leaves, key=lambda b: -b.new[2])
        for b in branches:
            b.old = list(b.new)
        leaves = []
        for b in branches:
            if b.parent is not None:
                if b.parent.active():
                    previous = b.parent.old[0] if b.label == b.parent.label else b.parent.old[2]
                    b.new[1] = _lse(b.new[1], previous)
                b.new[1] += y[b.label]
            b.new[0] = b.old[2] + y[blank]
            b.new[2] = _lse(b.new[0], b.new[1])
            leaves.append(b)
        for b in branches:
            if b.children is None:
                b.children = [_Beam(b, k) for k in range(C - 1)]
            for c in b.children:
                if c.active():
                    continue
                previous = b.old[0] if c.label == b.label else b.old[2]
                c.new = [_NEG_INF, y[c.label] + previous, y[c.label] + previous]
                bottom = min(leaves, key=lambda e: e.new[2]) if leaves else None
                if len(leaves) < width or c.new[2] > bottom.new[2]:
                    if len(leaves) == width:
                        leaves.remove(bottom)
                        bottom.new = [_NEG_INF, _NEG_INF, _NEG_INF]
                    leaves.append(c)
                else:
                    c.old = [_NEG_INF, _NEG_INF, _NEG_INF]
                    c.new = [_NEG_INF, _NEG_INF, _NEG_INF]
    best = sorted(leaves, key=lambda b: -b.new[2])[:top_paths]
    return [b.labels(merge) for b in best], [b.new[2] for b in best]


def _beam(op, ctx):
    a = op.attrs
    width, top_paths, merge = a["beam_width"], a["top_paths"], a["merge_repeated"]

    def run(inputs, seq_len):
        T, B, C = inputs.shape
        _check_lengths(op, seq_len, T, B)
        per_path = [[] for _ in range(top_paths)]
        log_prob = np.zeros((B, top_paths), inputs.dtype)
        for b in range(B):
            paths, scores = _beam_search(inputs[:int(seq_len[b]), b].astype(np.float64), width,
                                         top_paths, merge)
            if len(paths) < top_paths:
                raise errors.InvalidArgumentError(None, op, "Less leaves in the beam search than "
                                                            "requested.")
            for i in range(top_paths):
                per_path[i].append(paths[i])
                log_prob[b, i] = scores[i]
        parts = [_sparse_paths(op, p, B) for p in per_path]
        return (*[p[0] for p in parts], *[p[1] for p in parts], *[p[2] for p in parts], log_prob)
    return run


KERNELS = {"CTCLoss": _ctc_loss, "CTCGreedyDecoder": _greedy, "CTCBeamSearchDecoder": _beam}
