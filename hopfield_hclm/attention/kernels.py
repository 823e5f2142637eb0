"""Each head's step at the query position read as one modern-Hopfield update -- the one place that calls
the shared kernels of :mod:`hopfield_hclm.memory.modern` (Ramsauer et al. 2021).

For one head: state ``x = q`` (the query at the last position), stored patterns ``xi^mu = k_mu`` (the keys of
the P visible positions, the query position included), values ``v_mu``, inverse temperature
``beta = 1/sqrt(d_head)``; the head's output is the update ``f(x) = sum_mu p_mu v_mu`` with
``p = softmax(beta K x)``.  The *target* pattern i is the position of the answer's value token (the only
position whose input holds the key-value binding, ``E[v] + S[k]``).

Per (sequence, layer, head), all from the shared kernels except ``margin``:

- ``entropy`` H = -sum p log p and ``effective`` n_eff = exp(H) (``attention_entropy``, ``effective_patterns``);
- ``end_state`` 0 retrieval / 1 metastable / 2 average (``classify_end_state`` with its defaults
  ``single_max = 1.5``, ``average_fraction = 0.5`` of P);
- ``target_weight`` p_i;  ``margin`` s_i - max_{mu != i} s_mu of the scores s = x.k (the state's own
  separation of the target; beta * margin > log(P - 1) makes p_i > 1/2);
- ``separation`` Delta_i = k_i.k_i - max_{mu != i} k_i.k_mu (``pattern_separation``, Ramsauer Def. 1);
- in key space (the network's own update, values = keys): ``key_error`` |f_K(x) - k_i| and its
  ``ramsauer_bound`` 2 M (P-1) exp(-beta (Delta_i - 2 M |x - k_i|)) (Theorem 5 form), and the trivial
  bound ``key_cap`` max_mu |k_mu - k_i| (f_K is a convex combination of the keys);
- in value space (what the head writes): ``value_error`` |f(x) - v_i| and the ``logit_bound``
  sum_{mu != i} exp(-beta (s_i - s_mu)) |v_mu - v_i|, with its trivial bound ``value_cap``.

Shapes: ``query`` ``(B, L, H, d)``, ``keys``/``values`` ``(B, L, H, P, d)`` (one group of equal-length
sequences, padding removed), ``target`` ``(B,)`` in ``[0, P)``; every output ``(B, L, H)``.
"""

from __future__ import annotations

import torch

from ..memory import modern as mh

__all__ = ["END_STATES", "head_step_diagnostics"]

END_STATES = mh.END_STATES


def head_step_diagnostics(query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, beta: float,
                          target: torch.Tensor) -> dict[str, torch.Tensor]:
    """The modern-Hopfield diagnostics of every head's step (module docstring); float64 inside."""
    q = query.double().unsqueeze(-2)                                   # (B, L, H, 1, d)
    k, v = keys.double(), values.double()
    b, _, _, p, _ = k.shape
    # put the target pattern first (every quantity is a function of the set of patterns)
    order = torch.arange(p).repeat(b, 1)
    order[torch.arange(b), target] = 0
    order[:, 0] = target
    idx = order[:, None, None, :, None]
    k = torch.take_along_dim(k, idx, dim=3)
    v = torch.take_along_dim(v, idx, dim=3)
    log_p = mh.log_weights_from_scores(mh.scores(q, k), beta)          # (B, L, H, 1, P)
    entropy = mh.entropy_from_log_weights(log_p)[..., 0]
    effective = entropy.exp()
    s = mh.scores(q, k)[..., 0, :]                                     # (B, L, H, P)
    margin = s[..., 0] - s[..., 1:].amax(-1) if p > 1 else torch.full_like(s[..., 0], float("inf"))
    key_update = mh.hopfield_update(q, k, beta)[..., 0, :]
    value_update = mh.hopfield_update(q, k, beta, values=v)[..., 0, :]
    return {
        "entropy": entropy,
        "effective": effective,
        "end_state": mh.classify_end_state(effective, p),
        "target_weight": log_p[..., 0, 0].exp(),
        "margin": margin,
        "separation": mh.pattern_separation(k, index=0),
        "key_error": torch.linalg.vector_norm(key_update - k[..., 0, :], dim=-1),
        "ramsauer_bound": mh.retrieval_error_bound(q, k, beta, index=0, form="ramsauer")[..., 0],
        "key_cap": torch.linalg.vector_norm(k - k[..., :1, :], dim=-1).amax(-1),
        "value_error": torch.linalg.vector_norm(value_update - v[..., 0, :], dim=-1),
        "value_cap": torch.linalg.vector_norm(v - v[..., :1, :], dim=-1).amax(-1),
        "logit_bound": mh.retrieval_error_bound(q, k, beta, index=0, form="logit", values=v)[..., 0],
    }
