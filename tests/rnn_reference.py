"""Hand-written NumPy RNN cells, forward and backward through time, written from the
equations (TF1's layouts: kernels multiply [inputs, state]; LSTM gates i, j, f, o; GRU
gates r, u then the candidate), independently of tensorflux.

Each cell has ``step(x, state) -> (out, new_state, cache)`` and
``back(cache, d_out, d_new_state) -> (d_x, d_state, grads)``; states are tuples of
arrays ((c, h) for an LSTM, (h,) otherwise) and ``grads`` maps parameter names to
gradients. ``run`` and ``bptt`` unroll a cell over a list of inputs with TF1's
``sequence_length`` rule: past its length a sequence outputs zeros and keeps its state.
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class BasicRNN:
    def __init__(self, kernel, bias):
        self.p = {"kernel": kernel, "bias": bias}

    def step(self, x, state):
        (h,) = state
        xh = np.concatenate([x, h], 1)
        out = np.tanh(xh @ self.p["kernel"] + self.p["bias"])
        return out, (out,), (xh, out)

    def back(self, cache, d_out, d_state):
        xh, out = cache
        da = (d_out + d_state[0]) * (1 - out ** 2)
        d_xh = da @ self.p["kernel"].T
        n = xh.shape[1] - out.shape[1]
        return d_xh[:, :n], (d_xh[:, n:],), {"kernel": xh.T @ da, "bias": da.sum(0)}


class LSTM:
    """TF1's LSTMCell (BasicLSTMCell is the case without peepholes, clip, projection)."""

    def __init__(self, kernel, bias, forget_bias=1.0, peepholes=None, cell_clip=None,
                 projection=None, proj_clip=None):
        self.p = {"kernel": kernel, "bias": bias}
        if peepholes is not None:
            self.p.update(zip(("w_f_diag", "w_i_diag", "w_o_diag"), peepholes))
        if projection is not None:
            self.p["projection/kernel"] = projection
        self.forget_bias, self.cell_clip, self.proj_clip = forget_bias, cell_clip, proj_clip
        self.peep, self.proj = peepholes is not None, projection is not None

    def step(self, x, state):
        c_prev, m_prev = state
        p = self.p
        xm = np.concatenate([x, m_prev], 1)
        i, j, f, o = np.split(xm @ p["kernel"] + p["bias"], 4, axis=1)
        if self.peep:
            ig = sigmoid(i + p["w_i_diag"] * c_prev)
            fg = sigmoid(f + self.forget_bias + p["w_f_diag"] * c_prev)
        else:
            ig, fg = sigmoid(i), sigmoid(f + self.forget_bias)
        tj = np.tanh(j)
        c_raw = fg * c_prev + ig * tj
        c = np.clip(c_raw, -self.cell_clip, self.cell_clip) if self.cell_clip else c_raw
        og = sigmoid(o + p["w_o_diag"] * c) if self.peep else sigmoid(o)
        tc = np.tanh(c)
        m_raw = og * tc
        m_proj = m_raw @ p["projection/kernel"] if self.proj else m_raw
        m = np.clip(m_proj, -self.proj_clip, self.proj_clip) if self.proj_clip else m_proj
        return m, (c, m), (xm, c_prev, ig, fg, tj, c_raw, c, og, tc, m_raw, m_proj)

    def back(self, cache, d_out, d_state):
        xm, c_prev, ig, fg, tj, c_raw, c, og, tc, m_raw, m_proj = cache
        p, g = self.p, {}
        dc, dm = d_state[0].copy(), d_out + d_state[1]
        if self.proj_clip:
            dm = dm * (np.abs(m_proj) <= self.proj_clip)
        if self.proj:
            g["projection/kernel"] = m_raw.T @ dm
            dm = dm @ p["projection/kernel"].T
        d_og = dm * tc
        dc += dm * og * (1 - tc ** 2)
        do = d_og * og * (1 - og)
        if self.peep:
            dc += do * p["w_o_diag"]
            g["w_o_diag"] = (do * c).sum(0)
        if self.cell_clip:
            dc = dc * (np.abs(c_raw) <= self.cell_clip)
        df = dc * c_prev * fg * (1 - fg)
        di = dc * tj * ig * (1 - ig)
        dj = dc * ig * (1 - tj ** 2)
        dc_prev = dc * fg
        if self.peep:
            dc_prev += df * p["w_f_diag"] + di * p["w_i_diag"]
            g["w_f_diag"] = (df * c_prev).sum(0)
            g["w_i_diag"] = (di * c_prev).sum(0)
        dz = np.concatenate([di, dj, df, do], 1)
        g["kernel"], g["bias"] = xm.T @ dz, dz.sum(0)
        d_xm = dz @ p["kernel"].T
        n = xm.shape[1] - d_state[1].shape[1]  # the input depth: [x, m_prev] minus m
        return d_xm[:, :n], (dc_prev, d_xm[:, n:]), g


class GRU:
    def __init__(self, gates_kernel, gates_bias, candidate_kernel, candidate_bias):
        self.p = {"gates/kernel": gates_kernel, "gates/bias": gates_bias,
                  "candidate/kernel": candidate_kernel, "candidate/bias": candidate_bias}

    def step(self, x, state):
        (h,) = state
        p = self.p
        xh = np.concatenate([x, h], 1)
        r, u = np.split(sigmoid(xh @ p["gates/kernel"] + p["gates/bias"]), 2, axis=1)
        xrh = np.concatenate([x, r * h], 1)
        cand = np.tanh(xrh @ p["candidate/kernel"] + p["candidate/bias"])
        new_h = u * h + (1 - u) * cand
        return new_h, (new_h,), (xh, xrh, h, r, u, cand)

    def back(self, cache, d_out, d_state):
        xh, xrh, h, r, u, cand = cache
        p, n = self.p, xh.shape[1] - h.shape[1]
        dh_new = d_out + d_state[0]
        du = dh_new * (h - cand)
        dh = dh_new * u
        d_cand = dh_new * (1 - u) * (1 - cand ** 2)
        d_xrh = d_cand @ p["candidate/kernel"].T
        dx = d_xrh[:, :n]
        d_rh = d_xrh[:, n:]
        dr = d_rh * h
        dh += d_rh * r
        d_gates = np.concatenate([dr * r * (1 - r), du * u * (1 - u)], 1)
        d_xh = d_gates @ p["gates/kernel"].T
        dx = dx + d_xh[:, :n]
        dh += d_xh[:, n:]
        g = {"gates/kernel": xh.T @ d_gates, "gates/bias": d_gates.sum(0),
             "candidate/kernel": xrh.T @ d_cand, "candidate/bias": d_cand.sum(0)}
        return dx, (dh,), g


def _alive(t, lengths, batch):
    return np.ones((batch, 1)) if lengths is None else (t < np.asarray(lengths))[:, None] * 1.0


def run(cell, xs, state, lengths=None):
    """(outputs, final state, caches) of ``cell`` over the list ``xs``."""
    outs, caches = [], []
    for t, x in enumerate(xs):
        out, new, cache = cell.step(x, state)
        alive = _alive(t, lengths, x.shape[0])
        outs.append(out * alive)
        state = tuple(alive * n + (1 - alive) * s for n, s in zip(new, state))
        caches.append(cache)
    return outs, state, caches


def bptt(cell, xs, state, lengths, d_outs, d_final):
    """Gradients of sum(outputs[t] * d_outs[t]) + sum(final[k] * d_final[k]): a dict of
    the parameters' gradients, the inputs' gradients and the initial state's."""
    _, _, caches = run(cell, xs, state, lengths)
    grads = {k: np.zeros_like(v) for k, v in cell.p.items()}
    d_state = tuple(np.array(d, dtype=float) for d in d_final)
    d_xs = [None] * len(xs)
    for t in reversed(range(len(xs))):
        alive = _alive(t, lengths, xs[t].shape[0])
        dx, d_prev, g = cell.back(caches[t], d_outs[t] * alive, tuple(d * alive for d in d_state))
        for k, v in g.items():
            grads[k] += v
        d_xs[t] = dx
        d_state = tuple(dp + (1 - alive) * d for dp, d in zip(d_prev, d_state))
    return grads, d_xs, d_state
