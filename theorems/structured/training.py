"""Batched training loops of the `structured` experiments (torch, float64, one tensor per quantity with
a leading run dimension R: no Python loop over runs or samples).

* :func:`dropblock_sgd` — Algorithm 1 in full batch: one DropBlock mask per step and run, the gradient
  of ||Y - (1/theta) U D_z V^T X||_F^2 (the seed's lines 7-9 summed over the samples), step
  ``lr0 / N / (1 + t / tau)``.
* :func:`dropconnect_sgd` — the same for DropConnect masks Z (b x d) on V.
* :func:`deterministic_gd` — gradient descent on a deterministic objective ||Y - U V^T X||^2 +
  <bar C, U^T U o W^T W> (Lemma 3.1's form, W = X^T V) for several characteristic matrices at once.

Conventions as in `model.py` (theta = retain probability, sums over samples).
"""
from __future__ import annotations

from typing import Callable

import numpy as np


def block_masks(sampler, keep, R: int, k: int, r: int):
    """DropBlockSample: w ~ Ber(theta_run)^k per run, z = w (x) 1_r; ``keep`` is an (R,) tensor."""
    import torch

    w = (sampler.uniform(R, k) < keep[:, None]).to(torch.float64)
    return torch.repeat_interleave(w, r, dim=1)


def dropblock_deterministic(U, V, X, Y, keep, r: int):
    """(4)-(5) for R runs: ||Y - U V^T X||^2 + (1-theta)/theta sum_i ||U_i V_i^T X||^2 -> (R,)."""
    W = X.T @ V
    fit = ((Y - U @ W.transpose(1, 2)) ** 2).sum((1, 2))
    k = U.shape[2] // r
    reg = sum(((U[:, :, j * r:(j + 1) * r] @ W[:, :, j * r:(j + 1) * r].transpose(1, 2)) ** 2).sum((1, 2))
              for j in range(k))
    return fit + (1 - keep) / keep * reg


def dropblock_stochastic_mc(U, V, X, Y, keep, r: int, sampler, draws: int):
    """Monte Carlo of (3) at fixed iterates: the loss of every one of the 2^k block patterns, then
    ``draws`` Bernoulli block masks per run looked up in it. Returns (mean, standard error), (R,) each."""
    import torch

    R, k = U.shape[0], U.shape[2] // r
    patterns = torch.tensor([[(p >> j) & 1 for j in range(k)] for p in range(2**k)], dtype=torch.float64)
    z = torch.repeat_interleave(patterns, r, dim=1)  # (P, d)
    W = X.T @ V  # (R, N, d)
    out = torch.einsum("Rad,Pd,Rnd->RPan", U, z, W) / keep[:, None, None, None]
    losses = ((Y[None, None] - out) ** 2).sum((2, 3))  # (R, P)
    w = (sampler.uniform(R, draws, k) < keep[:, None, None]).to(torch.int64)
    index = (w * (2 ** torch.arange(k))[None, None, :]).sum(2)
    sample = torch.gather(losses, 1, index)
    return sample.mean(1), sample.std(1) / np.sqrt(draws)


def dropblock_sgd(X, Y, d: int, r: int, keep, steps: int, lr0: float, sampler, init_scale: float,
                  checkpoints: int, mask: Callable = block_masks, tau: float | None = None, average: float = 0.25,
                  lr_norm: float | None = None):
    """Algorithm 1 for R runs (``keep`` an (R,) tensor), step ``lr0 theta^2 / N / (1 + t/tau)`` (the 1/theta
    rescaling multiplies the gradient's scale by up to 1/theta^2: single-step stability). Returns the
    iterates at ``checkpoints`` evenly spaced steps as a list of (step, U, V); the last entry is the
    Polyak average of the final ``average`` fraction of the iterates (dropout SGD keeps its mask noise
    at the optimum; averaging removes most of it). ``lr_norm`` (default N, ~ ||X X^T|| for Gaussian data)
    normalises the step by the scale of the data."""
    import torch

    R = keep.shape[0]
    a, N = Y.shape
    b = X.shape[0]
    U = init_scale * sampler.normal(R, a, d)
    V = init_scale * sampler.normal(R, b, d)
    marks = set(np.linspace(0, steps, checkpoints).astype(int).tolist())
    tau = tau or steps / 10
    start = int(steps * (1 - average))
    U_avg, V_avg = torch.zeros_like(U), torch.zeros_like(V)
    saved = []
    scale = (keep**2)[:, None, None]
    for t in range(steps + 1):
        if t in marks and t < steps:
            saved.append((t, U.clone(), V.clone()))
        if t >= start:
            U_avg += U / (steps + 1 - start)
            V_avg += V / (steps + 1 - start)
        if t == steps:
            break
        z = mask(sampler, keep, R, d // r, r)[:, None, :] / keep[:, None, None]
        W = X.T @ V
        E = (U * z) @ W.transpose(1, 2) - Y
        gU = 2 * (E @ W) * z
        gW = 2 * (E.transpose(1, 2) @ U) * z
        lr = lr0 * scale / (lr_norm or N) / (1 + t / tau)
        U = U - lr * gU
        V = V - lr * (X @ gW)
    saved.append((steps, U_avg, V_avg))
    return saved


def connect_masks(sampler, keep, R: int, b: int, d: int):
    """DropConnect: Z_jl ~ Ber(theta_run) iid, (R, b, d)."""
    import torch

    return (sampler.uniform(R, b, d) < keep[:, None, None]).to(torch.float64)


def dropconnect_sgd(X, Y, d: int, keep, steps: int, lr0: float, sampler, init_scale: float, checkpoints: int,
                    mask: Callable = connect_masks):
    """SGD on (19) with one DropConnect mask per step and run; iterates at the checkpoints."""
    R = keep.shape[0]
    a, N = Y.shape
    b = X.shape[0]
    U = init_scale * sampler.normal(R, a, d)
    V = init_scale * sampler.normal(R, b, d)
    marks = set(np.linspace(0, steps, checkpoints).astype(int).tolist())
    saved = []
    for t in range(steps + 1):
        if t in marks:
            saved.append((t, U.clone(), V.clone()))
        if t == steps:
            break
        Z = mask(sampler, keep, R, b, d) / keep[:, None, None]
        ZV = Z * V
        P = X.T @ ZV  # (R, N, d)
        E = U @ P.transpose(1, 2) - Y
        gU = 2 * E @ P
        gZV = 2 * X @ (E.transpose(1, 2) @ U)
        lr = lr0 / N / (1 + t / (steps / 20))
        U = U - lr * gU
        V = V - lr * gZV * Z
    return saved


def dropconnect_mc(U, V, X, Y, keep, sampler, draws: int, chunk: int = 500, mask: Callable = connect_masks):
    """Monte Carlo of (19) at fixed iterates, in chunks of masks: (mean, standard error), (R,) each."""
    import torch

    R, b, d = V.shape
    total = torch.zeros(R, dtype=torch.float64)
    total_sq = torch.zeros(R, dtype=torch.float64)
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        Zs = _chunk_masks(sampler, keep, R, n, b, d, mask)
        P = (Zs * (V / keep[:, None, None])[:, None]).transpose(2, 3) @ X  # (R, n, d, N)
        loss = ((Y - U[:, None] @ P) ** 2).sum((2, 3))
        total += loss.sum(1)
        total_sq += (loss**2).sum(1)
        done += n
    mean = total / draws
    var = (total_sq / draws - mean**2) * draws / (draws - 1)
    return mean, var.clamp(min=0).sqrt() / np.sqrt(draws)


def _chunk_masks(sampler, keep, R: int, n: int, b: int, d: int, mask: Callable):
    """n masks per run from the part ``mask`` (called with R*n rows), reshaped (R, n, b, d)."""
    import torch

    rows = torch.repeat_interleave(keep, n)
    return mask(sampler, rows, R * n, b, d).reshape(R, n, b, d)


def dropout_mc(U, V, X, Y, keep, sampler, draws: int, chunk: int = 500):
    """Monte Carlo of the Dropout objective (1) at fixed iterates: (mean, standard error), (R,) each."""
    import torch

    R, _, d = U.shape
    W = X.T @ V
    total = torch.zeros(R, dtype=torch.float64)
    total_sq = torch.zeros(R, dtype=torch.float64)
    done = 0
    while done < draws:
        n = min(chunk, draws - done)
        z = (sampler.uniform(R, n, d) < keep[:, None, None]).to(torch.float64) / keep[:, None, None]
        out = (U[:, None] * z[:, :, None, :]) @ W.transpose(1, 2)[:, None]
        loss = ((Y[None, None] - out) ** 2).sum((2, 3))
        total += loss.sum(1)
        total_sq += (loss**2).sum(1)
        done += n
    mean = total / draws
    var = (total_sq / draws - mean**2) * draws / (draws - 1)
    return mean, var.clamp(min=0).sqrt() / np.sqrt(draws)


def deterministic_gd(X, Y, U0, V0, bar_Cs, steps: int, lr: float, checkpoints: int):
    """Gradient descent on ||Y - U V^T X||^2 + <bar C_s, U^T U o W^T W> for S characteristic matrices
    (``bar_Cs`` (S, d, d)) and R starts (``U0`` (R, a, d)): runs are (S, R). Returns the objective at
    the checkpoints, (checkpoints, S, R)."""
    import torch

    S = bar_Cs.shape[0]
    U = U0[None].repeat(S, 1, 1, 1).requires_grad_(True)
    V = V0[None].repeat(S, 1, 1, 1).requires_grad_(True)
    marks = set(np.linspace(0, steps, checkpoints).astype(int).tolist())
    values = []
    N = Y.shape[1]
    for t in range(steps + 1):
        W = X.T @ V
        fit = ((Y - U @ W.transpose(-1, -2)) ** 2).sum((-1, -2))
        reg = (bar_Cs[:, None] * (U.transpose(-1, -2) @ U) * (W.transpose(-1, -2) @ W)).sum((-1, -2))
        obj = fit + reg
        if t in marks:
            values.append(obj.detach().clone())
        if t == steps:
            break
        gU, gV = torch.autograd.grad(obj.sum(), [U, V])
        with torch.no_grad():
            U -= lr / N * gU
            V -= lr / N * gV
    return torch.stack(values)


def dropconnect_deterministic(U, V, X, Y, keep):
    """Corrected Theorem 4.1 for R runs: ||Y - U V^T X||^2 + (1-theta)/theta sum_k ||u_k||^2 sum_j V_jk^2 ||x_j||^2."""
    fit = ((Y - U @ V.transpose(1, 2) @ X) ** 2).sum((1, 2))
    penalty = ((U**2).sum(1) * ((V**2).transpose(1, 2) @ (X**2).sum(1))).sum(1)
    return fit + (1 - keep) / keep * penalty


def printed_dropconnect_deterministic(U, V, X, Y, keep):
    """(20) as printed (= the Dropout objective (2)): penalty sum_k ||u_k||^2 ||X^T v_k||^2."""
    fit = ((Y - U @ V.transpose(1, 2) @ X) ** 2).sum((1, 2))
    penalty = ((U**2).sum(1) * ((X.T @ V) ** 2).sum(1)).sum(1)
    return fit + (1 - keep) / keep * penalty


def column_masks(sampler, keep, R: int, b: int, d: int):
    """Dropout masks written as DropConnect masks: one Bernoulli per column k, shared by its b weights."""
    import torch

    return (sampler.uniform(R, 1, d) < keep[:, None, None]).to(torch.float64).expand(R, b, d).clone()
