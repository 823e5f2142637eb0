"""A small causal transformer with explicit attention, instrumented at the query position.

Input at position t: ``x_t = E[tok_t] + S[tok_{t-1}]`` -- a token embedding plus a learned embedding of
the *previous* token (a width-2 causal convolution on the embeddings, the "token shift" of RWKV / the
short convolution of H3 and Based; ``S[PAD]`` stands for "no previous token").  There is no positional
encoding: attention is purely content-based, so the model is length-agnostic and a head's step is
exactly a modern-Hopfield update (below), and evaluating at more pairs tests load, not positional
extrapolation.  The value position of a pair carries ``E[v] + S[k]``: the binding is in the input.

Blocks (pre-LayerNorm), l = 1..L, heads h = 1..H, d_head = d_model / H:

    a = LN_1(r);  q_h = a W_Q^h,  k_h = a W_K^h,  v_h = a W_V^h                 (position, d_head)
    p_h = softmax(beta q_h k_h^T + causal/pad mask),  beta = 1/sqrt(d_head)      (position, position)
    r <- r + sum_h (p_h v_h) W_O^h;   r <- r + W_2 GELU(W_1 LN_2(r))

and logits over the ``values`` tokens at the last position: ``LN_f(r_L) U``.

Read as a Hopfield step (Ramsauer et al. 2021, "Hopfield networks is all you need", eq. (10)): the
query ``q_h`` at the last position is the state, the keys ``k_h`` of all visible positions are the
stored patterns, ``softmax(beta K q)`` their retrieval weights and ``sum_j p_j v_j`` the retrieved
pattern (projected to the value space).  ``forward(..., record=True)`` returns a :class:`Trace` with
exactly these tensors at the query position.

Weights are drawn from numpy (``N(0, 0.02^2)``, output projections scaled by ``1/sqrt(2L)``; LayerNorm
gain 1, bias 0), so a model is a function of its seed only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["POSITIONS", "RecallTransformer", "Trace"]

POSITIONS = ("previous_token", "absolute")


@dataclass(frozen=True)
class Trace:
    """Instrumentation at the last (query) position, for B sequences, L layers, H heads, T positions.

    ``residual`` ``(B, L+1, d_model)``: the residual stream before block 1 (index 0, the embedding) and
    after each block; ``weights`` ``(B, L, H, T)`` attention weights of the query position (0 at padding);
    ``query`` ``(B, L, H, d_head)``; ``keys`` / ``values`` ``(B, L, H, T, d_head)``; ``output``
    ``(B, L, H, d_head)`` = ``sum_j weights_j values_j``; ``beta`` the inverse temperature 1/sqrt(d_head).
    """

    residual: torch.Tensor
    weights: torch.Tensor
    query: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    output: torch.Tensor
    beta: float


class _Block(nn.Module):
    def __init__(self, d_model: int, heads: int, d_mlp: int):
        super().__init__()
        self.heads, self.d_head = heads, d_model // heads
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.proj = nn.Linear(d_model, d_model, bias=False)
        self.fc1, self.fc2 = nn.Linear(d_model, d_mlp), nn.Linear(d_mlp, d_model)

    def forward(self, r: torch.Tensor, mask: torch.Tensor):
        """``r`` ``(B, T, d)``, ``mask`` ``(B, 1, T, T)`` True where attention is forbidden."""
        b, t, d = r.shape
        q, k, v = self.qkv(self.ln1(r)).view(b, t, 3, self.heads, self.d_head).permute(2, 0, 3, 1, 4)
        beta = self.d_head ** -0.5
        scores = (beta * q) @ k.transpose(-1, -2)                      # (B, H, T, T)
        scores = scores.masked_fill(mask, float("-inf"))
        p = torch.softmax(scores, dim=-1)
        heads_out = p @ v                                              # (B, H, T, d_head)
        r = r + self.proj(heads_out.transpose(1, 2).reshape(b, t, d))
        r = r + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(r))))
        return r, (q, k, v, p, heads_out)


class RecallTransformer(nn.Module):
    """Token-shift causal transformer for associative recall (module docstring).

    Args (keyword-only): ``vocab_size`` (token ids incl. PAD), ``values`` (output classes), ``pad``
    (id of the padding token), ``layers``, ``heads``, ``d_model`` (divisible by ``heads``), ``d_mlp``,
    ``seed`` (numpy seed of the weights), ``position`` (``"previous_token"``, the default: the token-shift
    input above; ``"absolute"``: ``x_t = E[tok_t] + P[t]`` with a learned absolute positional embedding
    ``P`` of ``max_positions`` rows, t counted from the first non-pad token, and *no* previous-token input,
    so the key-value binding must be built by attention itself, an induction-style circuit over two
    layers, Olsson et al. 2022), ``max_positions`` (rows of ``P``; only used with ``"absolute"``),
    ``dtype``, ``device``.  With ``"absolute"`` the attention scores still depend only on the residual,
    so each head's step at the query is still ``softmax(beta K q)``; but positions never reached in
    training keep their initial (random) rows of ``P``.
    """

    def __init__(self, *, vocab_size: int, values: int, pad: int, layers: int = 4, heads: int = 2,
                 d_model: int = 64, d_mlp: int = 128, seed: int = 0, position: str = "previous_token",
                 max_positions: int = 512, dtype=torch.float32, device="cpu"):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model must be divisible by heads; got d_model={d_model}, heads={heads}")
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}; got {position!r}")
        if not isinstance(max_positions, int) or max_positions < 1:
            raise ValueError(f"max_positions must be a positive int; got {max_positions!r}")
        self.pad, self.layers, self.heads = pad, layers, heads
        self.position, self.max_positions = position, max_positions
        self.embed = nn.Embedding(vocab_size, d_model)
        if position == "previous_token":
            self.shift = nn.Embedding(vocab_size, d_model)
        else:
            self.pos = nn.Embedding(max_positions, d_model)
        self.blocks = nn.ModuleList([_Block(d_model, heads, d_mlp) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.unembed = nn.Linear(d_model, values, bias=False)
        rng = np.random.default_rng(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "ln" in name:
                    p.fill_(1.0 if name.endswith("weight") else 0.0)
                elif name.endswith("bias"):
                    p.zero_()
                else:
                    scale = 0.02 / np.sqrt(2 * layers) if name.endswith(("proj.weight", "fc2.weight")) else 0.02
                    p.copy_(torch.from_numpy(rng.normal(0.0, scale, size=tuple(p.shape))))
        self.to(device=device, dtype=dtype)

    def forward(self, tokens: torch.Tensor, pad_mask: torch.Tensor, *, record: bool = False):
        """Logits ``(B, values)`` at the last position; with ``record=True`` also a :class:`Trace`."""
        b, t = tokens.shape
        if self.position == "previous_token":
            prev = torch.cat([torch.full_like(tokens[:, :1], self.pad), tokens[:, :-1]], dim=1)
            r = self.embed(tokens) + self.shift(prev)
        else:
            # position of a token counted from the first non-pad token (sequences are left-padded)
            index = ((~pad_mask).long().cumsum(1) - 1).clamp_min(0)
            if int(index.max()) >= self.max_positions:
                raise ValueError(f"sequence longer than max_positions={self.max_positions}")
            r = self.embed(tokens) + self.pos(index)
        causal = torch.ones(t, t, dtype=torch.bool, device=tokens.device).triu(1)
        eye = torch.eye(t, dtype=torch.bool, device=tokens.device)
        # a position always sees itself, so padding rows are never fully masked (no NaN in backward)
        mask = ((causal[None] | pad_mask[:, None, :]) & ~eye)[:, None]   # (B, 1, T, T)
        residual, parts = [r[:, -1]], []
        for block in self.blocks:
            r, (q, k, v, p, out) = block(r, mask)
            residual.append(r[:, -1])
            if record:
                parts.append((q[:, :, -1], k, v, p[:, :, -1], out[:, :, -1]))
        logits = self.unembed(self.ln_f(r[:, -1]))
        if not record:
            return logits
        trace = Trace(residual=torch.stack(residual, 1),
                      weights=torch.stack([x[3] for x in parts], 1),
                      query=torch.stack([x[0] for x in parts], 1),
                      keys=torch.stack([x[1] for x in parts], 1),
                      values=torch.stack([x[2] for x in parts], 1),
                      output=torch.stack([x[4] for x in parts], 1),
                      beta=self.blocks[0].d_head ** -0.5)
        return logits, trace

    def lens(self, residual: torch.Tensor) -> torch.Tensor:
        """Logit lens: the final LayerNorm and unembedding applied to a residual ``(..., d_model)``."""
        return self.unembed(self.ln_f(residual))
