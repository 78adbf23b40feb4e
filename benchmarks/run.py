"""theorycheck benchmarks: every figure is a ratio measured side by side in one run.

    python benchmarks/run.py                 # CPU benchmarks, about 3 minutes on 2 cores
    python benchmarks/run.py --quick         # a smoke test of every benchmark, seconds
    python benchmarks/run.py --runner-all    # also `theorycheck run all --profile quick` (minutes)
    python benchmarks/run.py --device cuda   # also the GPU Monte-Carlo goals (needs CUDA)

Results go to ``benchmarks/results.json`` (``--out``) with the machine they were measured on.
Torch runs on one thread, as in the engine's workers, except for the CPU side of ``--device cuda``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cli  # noqa: E402
import bench_convex  # noqa: E402
import bench_montecarlo  # noqa: E402
import bench_runner  # noqa: E402

RUNNER_SUBSET = ("prelim/*", "nuclear/*")  # `--runner-all` times every claim
SCALING_SUBSET = ("prelim/*",)


def sizes(quick: bool) -> dict[str, Any]:
    if quick:
        return dict(show_claim="bias/theorem-3.6", cli_rounds=1, masks=20_000, loop_masks=500, rounds=1, small_instances=16, small_masks=2_000,
                    convex_dims=(4,), convex_instances=10, copies=5, runner=("tools/theorem-18",),
                    scaling=("tools/theorem-18",), counts=(2, 4), jobs_rounds=1,
                    gpu=dict(instances=64, masks=2_000, cpu_instances=8, large_masks=20_000, rounds=1))
    return dict(show_claim="bias/theorem-3.6", cli_rounds=3, masks=1_000_000, loop_masks=20_000, rounds=2, small_instances=256, small_masks=20_000,
                convex_dims=(4, 8), convex_instances=100, copies=10, runner=RUNNER_SUBSET,
                scaling=SCALING_SUBSET, counts=(10, 20, 40), jobs_rounds=1,
                gpu=dict(instances=4096, masks=100_000, cpu_instances=256, large_masks=1_000_000, rounds=3))


def machine() -> dict[str, Any]:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "load_average_at_start": os.getloadavg()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def benchmarks(args, s: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    chosen: dict[str, Callable[[], Any]] = {}
    chosen["cli_startup"] = lambda: bench_cli.startup(s["show_claim"], s["cli_rounds"], uncached=not args.quick)
    for shape in bench_montecarlo.NETS:
        chosen["montecarlo_loop_vs_batched_" + "x".join(map(str, shape))] = lambda shape=shape: \
            bench_montecarlo.loop_vs_batched(shape, s["masks"], s["loop_masks"], s["rounds"])
    chosen["montecarlo_many_small_cpu"] = lambda: bench_montecarlo.many_small(
        "cpu", s["small_instances"], s["small_masks"], 1 << 20, s["rounds"])
    # where batching pays: fewer masks per instance (the per-instance calls' fixed cost dominates)
    chosen["montecarlo_many_small_cpu_few_masks"] = lambda: bench_montecarlo.many_small(
        "cpu", s["small_instances"], max(s["small_masks"] // 10, 100), 1 << 20, s["rounds"])
    for d in s["convex_dims"]:
        chosen[f"convex_prox_d{d}"] = lambda d=d: bench_convex.compare(d, s["convex_instances"], s["copies"],
                                                                      s["rounds"])
    if not args.skip_runner:
        chosen["runner_quick_subset"] = lambda: bench_runner.quick_profile(s["runner"], 2)
        chosen["runner_jobs2_vs_jobs1"] = lambda: bench_runner.jobs_speedup(s["runner"], s["jobs_rounds"])
        chosen["runner_full_vs_instances"] = lambda: bench_runner.instance_scaling(s["scaling"], s["counts"])
    if args.runner_all:
        kept = os.path.join(tempfile.gettempdir(), "theorycheck-bench-run-all-report.json")
        chosen["runner_quick_all"] = lambda: bench_runner.quick_profile(["all"], 2, keep=kept)
        chosen["runner_all_schedule"] = lambda: bench_runner.schedule_simulation(kept, 2)
        chosen["runner_all_jobs2_vs_jobs1"] = lambda: bench_runner.jobs_speedup(["all"], 1)
        chosen["mutants_quick_all"] = lambda: bench_runner.quick_profile([], 2, verb="mutants")
    if args.device == "cuda":
        chosen["montecarlo_cuda_vs_cpu"] = lambda: bench_montecarlo.cuda_vs_cpu(**s["gpu"])
    return chosen


HEADLINES = {
    "montecarlo_many_small_cpu": ("speedup", "sample_batch / one instance at a time (CPU)"),
    "montecarlo_many_small_cpu_few_masks": ("speedup", "sample_batch / one instance at a time (CPU, 1/10 the masks)"),
    "runner_jobs2_vs_jobs1": ("speedup", "--jobs 2 / --jobs 1"),
    "runner_all_jobs2_vs_jobs1": ("speedup", "run all: --jobs 2 / --jobs 1"),
    "runner_quick_subset": ("wall_seconds", "quick profile wall seconds (subset, --jobs 2)"),
    "runner_quick_all": ("wall_seconds", "run all --profile quick wall seconds (--jobs 2)"),
    "mutants_quick_all": ("wall_seconds", "mutants (everything) --profile quick wall seconds (--jobs 2)"),
    "runner_full_vs_instances": ("r_squared", "full profile: R^2 of time vs --instances"),
    "montecarlo_cuda_vs_cpu": ("many_small_cuda_over_cpu", "many small instances: CUDA / CPU"),
}


def headline(name: str, result: dict[str, Any]) -> str:
    if name.startswith("convex_"):
        w = result["wall_over_in_solver"]
        return (f"d={result['d']}: rebuild / parameter {result['rebuild_over_parameter']:.1f}x, "
                f"rebuild / engine direct {result['rebuild_over_engine_direct']:.1f}x; wall / in-solver: "
                + ", ".join(f"{k} {v:.2f}" for k, v in w.items()))
    if name.startswith("montecarlo_loop_vs_batched"):
        return (f"net {result['shape_d2_r_d0']}: engine estimator / per-mask Python loop {result['speedup']:.3g}x "
                f"with batch 65536, {result['speedup_cache_batch']:.3g}x with batch {result['cache_batch']}, "
                f"{result['speedup_sample_batch']:.3g}x through sample_batch (counter-based sampler) "
                f"({result['engine_masks_per_s']:.3g}, {result['engine_cache_batch_masks_per_s']:.3g} vs "
                f"{result['loop_masks_per_s']:.3g} masks/s); physical limit {result['physical_limit_masks_per_s']:.3g} "
                f"masks/s ({result['flops_per_mask']} flop/mask, core peak {result['matmul_peak_flops'] / 1e9:.3g} "
                f"GFLOP/s): {100 * result['fraction_of_peak']:.2g} % of peak, headroom {result['headroom']:.3g}x")
    if name == "cli_startup":
        t = result["seconds"]
        c = result["cpu_seconds"]
        return (f"warm index: --help {t['--help']:.2f} s, list {t['list']:.2f} s, show {t['show']:.2f} s wall "
                f"(CPU {c['--help']:.2f}, {c['list']:.2f}, {c['show']:.2f} s; goal <= 1 s; load "
                f"{result['load_average'][0]:.1f}); "
                f"list without the index {result['list_without_index_seconds']:.1f} s "
                f"({result['list_speedup_over_no_index']:.3g}x), cold list (index rebuilt) "
                f"{result['cold_list_seconds']:.1f} s; heavy modules imported: "
                f"{result['heavy_modules_imported_by_warm_list'][0]}")
    if name == "runner_all_schedule":
        return (f"--jobs 2 / --jobs 1 of the run proper simulated from the measured per-check seconds "
                f"({result['tasks']} tasks): declaration order {result['speedup_declaration_order']:.3g}x, "
                f"longest first {result['speedup_longest_first']:.3g}x (longest task "
                f"{result['longest_task_seconds']:.1f} s of {result['task_seconds']:.0f} s)")
    key, what = HEADLINES[name]
    text = f"{what}: {result[key]:.3g}"
    if name.startswith("montecarlo_many_small"):
        text += (f" ({result['instances']} instances of {'x'.join(map(str, result['shape_d2_r_d0']))}, "
                 f"{result['masks']} masks each: {result['batched_mask_instances_per_s']:.3g} vs "
                 f"{result['per_instance_mask_instances_per_s']:.3g} mask-instances/s)")
    if "cpu_seconds" in result:
        text += f" (CPU {result['cpu_seconds']:.0f} s, load {result['load_average'][0]:.1f}, exit {result['exit']})"
    if "wall_speedup" in result:
        text += (f"; wall {result['wall_speedup']:.3g}x; CPU --jobs 2 / --jobs 1 {result['cpu_ratio_jobs2_over_jobs1']:.3g}"
                 f" (load {result['load_average'][0]:.1f})")
    if name == "montecarlo_cuda_vs_cpu":
        text += (f" (vs the best CPU path {result['many_small_cuda_over_best_cpu_path']:.3g}; "
                 f"{result['many_small']['cuda']['batched_mask_instances_per_s']:.3g} mask-instances/s on CUDA; "
                 f"one large instance CUDA / CPU {result['one_large_cuda_over_cpu']:.3g})")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test, not a measurement")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--runner-all", action="store_true", help="also time `theorycheck run all` (minutes)")
    parser.add_argument("--skip-runner", action="store_true", help="no `theorycheck run` subprocesses")
    parser.add_argument("--only", default=None, help="comma-separated benchmark names (prefixes)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.json")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda needs a CUDA build of torch and a GPU")
    torch.set_num_threads(1)
    chosen = benchmarks(args, sizes(args.quick))
    if args.only:
        prefixes = args.only.split(",")
        chosen = {k: v for k, v in chosen.items() if any(k.startswith(p) for p in prefixes)}
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "started": time.time(), "results": {}}
    for name, bench in chosen.items():
        start = time.perf_counter()
        result = bench()
        result["benchmark_seconds"] = time.perf_counter() - start
        results["results"][name] = result
        print(f"{name}: {headline(name, result)}  [{result['benchmark_seconds']:.1f} s]", flush=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
