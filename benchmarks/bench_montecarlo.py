"""Monte Carlo: the engine's batched estimators vs a per-sample Python loop, and many instances.

The expectation is the dropout regulariser of a 2-layer linear net,
``E_b ||U V' - U diag(b) V' / theta||_F^2 = (1 - theta)/theta sum_i ||u_i||^2 ||v_i||^2``;
with ``c = 1 - b / theta`` the integrand is ``c' ((U'U) o (V'V)) c``.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from theorycheck import MonteCarlo, Sampler, Settings, Source, Space, declare, mutant
from theorycheck.checks.montecarlo import BatchSampler, stack_instances
from theorycheck.context import Context

from timing import ratio, side_by_side

NETS = ((4, 8, 4), (8, 16, 8))  # d2, r, d0 of the loop comparison
LARGE = (64, 256, 64)  # one large instance on the GPU
SMALL = (4, 4, 4)  # of the many-instance comparison (one shape, so all instances stack)


def network_space(d2: int, r: int, d0: int) -> Space:
    return Space(lambda d: {"U": d.normal(d2, r), "V": d.normal(d0, r), "theta": d.uniform(0.3, 0.9)})


def regulariser(i):
    return (1 - i.theta) / i.theta * float(((i.U**2).sum(0) * (i.V**2).sum(0)).sum())


def one_instance(i, n, sampler):
    """n masks of one instance, batched: the engine's per-instance integrand, (n,)."""
    U, V = sampler.tensor(i.U), sampler.tensor(i.V)
    drop = 1.0 - sampler.bernoulli(i.theta, n, U.shape[1]) / i.theta
    gram = (U.T @ U) * (V.T @ V)
    return ((drop @ gram) * drop).sum(1)


def many_instances(batch, n, sampler):
    """n masks of each of B stacked instances, (B, n): the per-instance integrand with one more
    (batch) dimension, one batched matmul."""
    U, V, theta = batch.U, batch.V, batch.theta
    drop = 1.0 - sampler.bernoulli(theta, n, U.shape[2]) / theta[:, None, None]
    gram = (U.transpose(1, 2) @ U) * (V.transpose(1, 2) @ V)
    return (torch.bmm(drop, gram) * drop).sum(2)


def loop_estimate(inst, n: int, rng: np.random.Generator) -> float:
    """The baseline: one mask at a time in Python."""
    U, V, theta = inst["U"], inst["V"], inst["theta"]
    UV = U @ V.T
    total = 0.0
    for _ in range(n):
        b = (rng.random(U.shape[1]) < theta).astype(float)
        total += float(np.sum((UV - (U * b / theta) @ V.T) ** 2))
    return total / n


def dropout_claim(shape: tuple[int, int, int], samples: int, instances: int, batched: bool, batch: int):
    check = MonteCarlo(sample=one_instance, space=network_space(*shape), samples=samples, instances=instances,
                       sample_batch=many_instances if batched else None, batch=batch)
    return declare("bench/dropout-regulariser", title="dropout regulariser", source=Source("bench", "bench"),
                   statement="E_b||UV'-U diag(b)V'/theta||^2 = (1-theta)/theta sum ||u_i||^2||v_i||^2",
                   claimed=regulariser, checks=[check],
                   mutants=[mutant("none", "no regulariser", claimed=lambda i: 0.0)])


CACHE_BATCH = 1 << 12  # masks per sample call that keep an 8x16x8 integrand's temporaries in L2


def matmul_peak(rounds: int, n: int = 512) -> float:
    """Float64 flop/s of one core on a square matmul (the peak the estimator is compared with)."""
    a = torch.randn(n, n, dtype=torch.float64)
    seconds = side_by_side({"matmul": lambda: a @ a}, max(rounds, 3))["matmul"]
    return 2.0 * n**3 / seconds


def flops_per_mask(r: int) -> int:
    """Arithmetic of one mask of the integrand: c' G (2 r^2 for G c, r products, r sums) and the
    mask itself (compare, divide, subtract: 3 r)."""
    return 2 * r * r + 5 * r


def loop_vs_batched(shape: tuple[int, int, int], masks: int, loop_masks: int, rounds: int,
                    peak: float | None = None) -> dict:
    """Per-mask throughput of the engine's estimator (one instance) vs the Python loop, with the
    default ``batch`` (65536 masks per call) and a cache-sized one; and the fraction of the core's
    peak the estimator reaches (flops per mask x masks/s against a matmul micro-benchmark)."""
    default = dropout_claim(shape, masks, 1, False, 1 << 16).checks[0]
    cached = dropout_claim(shape, masks, 1, False, CACHE_BATCH).checks[0]
    ctx = Context(Settings(device="cpu"), "bench/dropout-regulariser", 0)
    inst = default.instance(ctx, 0)
    batched = dropout_claim(shape, masks, 1, True, 1 << 16).checks[0]  # the counter-based sampler, B = 1
    stacked = stack_instances([inst], "cpu")
    rng = np.random.default_rng(0)
    times = side_by_side({
        "engine": lambda: default.estimate(inst, masks, Sampler(ctx.torch_generator(0), "cpu")),
        "engine_cache_batch": lambda: cached.estimate(inst, masks, Sampler(ctx.torch_generator(0), "cpu")),
        "engine_sample_batch": lambda: batched.estimate_batch(stacked, masks, BatchSampler.for_instances(
            ctx.seed_words, [0], "cpu")),
        "loop": lambda: loop_estimate(inst, loop_masks, rng),
    }, rounds)
    engine_rate, loop_rate = masks / times["engine"], loop_masks / times["loop"]
    cached_rate = masks / times["engine_cache_batch"]
    batch_rate = masks / times["engine_sample_batch"]
    peak = peak or matmul_peak(rounds)
    best = max(engine_rate, cached_rate, batch_rate)
    flops = flops_per_mask(shape[1])
    return {"masks": masks, "loop_masks": loop_masks, "shape_d2_r_d0": shape,
            "engine_masks_per_s": engine_rate, "engine_cache_batch_masks_per_s": cached_rate,
            "cache_batch": CACHE_BATCH, "loop_masks_per_s": loop_rate,
            "speedup": ratio(1 / loop_rate, 1 / engine_rate),
            "speedup_cache_batch": ratio(1 / loop_rate, 1 / cached_rate),
            "engine_sample_batch_masks_per_s": batch_rate, "speedup_sample_batch": ratio(1 / loop_rate, 1 / batch_rate),
            "best_speedup": ratio(1 / loop_rate, 1 / best), "goal": 50.0,
            "flops_per_mask": flops, "matmul_peak_flops": peak,
            "fraction_of_peak": best * flops / peak, "headroom": peak / (best * flops),
            "physical_limit_masks_per_s": peak / flops}


def _run_check(claim, device: str, instances: int) -> tuple[float, list]:
    check = claim.checks[0]
    ctx = Context(Settings(device=device), claim.id, 0)
    start = time.perf_counter()
    outcomes = check.evaluate_many(claim, list(range(instances)), ctx)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, outcomes


def many_small(device: str, instances: int, masks: int, batch: int, rounds: int) -> dict:
    """Mask-instances per second of the check with ``sample_batch`` vs one instance at a time."""
    batched = dropout_claim(SMALL, masks, instances, True, batch)
    single = dropout_claim(SMALL, masks, instances, False, 1 << 16)
    _run_check(batched, device, min(instances, 8))
    times = side_by_side({"batched": lambda: _run_check(batched, device, instances),
                          "per_instance": lambda: _run_check(single, device, instances)}, rounds)
    _, outcomes = _run_check(batched, device, instances)
    work = instances * masks
    return {"device": device, "instances": instances, "masks": masks, "shape_d2_r_d0": SMALL,
            "batched_mask_instances_per_s": work / times["batched"],
            "per_instance_mask_instances_per_s": work / times["per_instance"],
            "speedup": ratio(times["per_instance"], times["batched"]),
            "worst_z": max(o.details["z"] for o in outcomes if o.ok is not None),
            "errors": sum(o.ok is None for o in outcomes)}


def one_large(device: str, masks: int, rounds: int) -> dict:
    """Masks per second of the engine's estimator on one instance (the LARGE net) on ``device``."""
    claim = dropout_claim(LARGE, masks, 1, False, 1 << 20)
    check = claim.checks[0]
    ctx = Context(Settings(device=device), claim.id, 0)
    inst = check.instance(ctx, 0)

    def estimate():
        check.estimate(inst, masks, Sampler(ctx.torch_generator(0), device))
        if device == "cuda":
            torch.cuda.synchronize()

    seconds = side_by_side({"estimate": estimate}, rounds)["estimate"]
    return {"device": device, "masks": masks, "shape_d2_r_d0": LARGE, "masks_per_s": masks / seconds}


def cuda_vs_cpu(instances: int, masks: int, cpu_instances: int, large_masks: int, rounds: int) -> dict:
    """The GPU goals: >= 1e9 mask-instances/s on many small instances and >= 50x the CPU figure.

    The CPU figures use every core (torch's default threads), as the goal compares with them.
    """
    import os

    torch.set_num_threads(os.cpu_count() or 1)
    many = {"cuda": many_small("cuda", instances, masks, 1 << 24, rounds),
            "cpu": many_small("cpu", cpu_instances, masks, 1 << 20, 1)}
    large = {"cuda": one_large("cuda", large_masks, rounds), "cpu": one_large("cpu", large_masks // 10, 1)}
    torch.set_num_threads(1)
    gpu_rate = many["cuda"]["batched_mask_instances_per_s"]
    cpu_best = max(many["cpu"]["batched_mask_instances_per_s"], many["cpu"]["per_instance_mask_instances_per_s"])
    return {"many_small": many, "one_large": large, "gpu": torch.cuda.get_device_name(),
            "many_small_cuda_over_cpu": ratio(1 / gpu_rate, 1 / many["cpu"]["batched_mask_instances_per_s"]),
            "many_small_cuda_over_best_cpu_path": ratio(1 / gpu_rate, 1 / cpu_best),
            "one_large_cuda_over_cpu": ratio(1 / large["cuda"]["masks_per_s"], 1 / large["cpu"]["masks_per_s"]),
            "goals": {"many_small_mask_instances_per_s": 1e9, "many_small_cuda_over_cpu": 50.0}}
