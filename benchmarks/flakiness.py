"""Flakiness study: every claim under many seeds in the quick profile; count verdict flips.

A claim *flips* when its verdict under some seed differs from its verdict under seed 0. The goal
is zero. The study also lists, for every Monte-Carlo check, its designed false-fail rate and the
smallest discrepancy it detects with 99 % power (from the reports' evidence).

    python benchmarks/flakiness.py --seeds 20 --jobs 2 [PATTERN ...]
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory

from theorycheck import Settings, load_registry, run_claims


def study(patterns: list[str], seeds: int, jobs: int) -> dict:
    registry = load_registry()
    claims = registry.select(patterns or ["all"])
    verdicts: dict[str, list[str]] = {c.id: [] for c in claims}
    designed: dict[str, dict] = {}
    started = time.time()
    with TemporaryDirectory() as folder:
        for seed in range(seeds):
            for result in run_claims(claims, Settings(seed=seed, report_dir=Path(folder)), jobs=jobs):
                verdicts[result.claim.id].append(result.verdict.value)
                for check in result.checks:
                    if check.kind == "montecarlo" and seed == 0:
                        designed[f"{result.claim.id} [{check.label}]"] = {
                            "designed_false_fail_rate": check.evidence.get("designed_false_fail_rate"),
                            "min_detectable_relative_discrepancy_99pct_power":
                                check.evidence.get("min_detectable_relative_discrepancy_99pct_power"),
                        }
            print(f"seed {seed}: {Counter(v[-1] for v in verdicts.values())}", flush=True)
    flips = {cid: v for cid, v in verdicts.items() if len(set(v)) > 1}
    return {"seeds": seeds, "claims": len(claims), "flipping_claims": len(flips), "flips": flips,
            "wall_seconds": time.time() - started, "montecarlo_checks": designed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/flakiness.json"))
    args = parser.parse_args()
    result = study(args.patterns, args.seeds, args.jobs)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"{result['flipping_claims']} of {result['claims']} claims flipped over {args.seeds} seeds "
          f"({result['wall_seconds']:.0f} s); details in {args.out}")


if __name__ == "__main__":
    main()
