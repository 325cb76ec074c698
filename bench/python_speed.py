#!/usr/bin/env python3
"""Speed of numscope.encode / numscope.decode on a 64 MiB float32 array, as ratios against two baselines timed in
the same run on the same data: `numscope cast` (the CLI, file to file on tmpfs where there is one) and ml_dtypes'
astype (numpy's for fp16).

    .venv/bin/python bench/python_speed.py [--cli build/bin/numscope] [--mib 64] [--repeat 5]

Each figure is the best of --repeat runs (the least disturbed by other work on the machine), the three taking turns
within each round; "astype spread" is astype's slowest run over its best, a measure of the noise. A ratio below 1
means the Python call is faster. The targets (issue 14): encode/decode within 1.5x of `numscope cast`, and within
noise of ml_dtypes' astype or faster.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

import numscope

ROOT = pathlib.Path(__file__).resolve().parents[1]


def timed(fns: dict, repeat: int) -> dict:
    """Each function's times over `repeat` rounds, the functions taking turns within a round, so that a burst of
    other work on the machine slows them alike rather than one of them."""
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", default=os.environ.get("NUMSCOPE_CLI", str(ROOT / "build" / "bin" / "numscope")))
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="bf16,fp16,e4m3,e5m2,e2m1")
    args = parser.parse_args()
    try:
        import ml_dtypes
    except ImportError:
        ml_dtypes = None
    types = {"fp16": np.float16}
    if ml_dtypes is not None:
        types.update({"bf16": ml_dtypes.bfloat16, "e4m3": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2,
                      "e2m1": ml_dtypes.float4_e2m1fn})

    n = args.mib * (1 << 20) // 4
    base = np.random.default_rng(1).standard_normal(n)
    tmp_root = "/dev/shm" if os.path.isdir("/dev/shm") else None
    print(f"{args.mib} MiB of float32 ({n:,} elements, normal, sigma min(max/4, 100)), best of {args.repeat}; "
          f"{os.cpu_count()} cores")
    print()
    print("| format | direction | numscope (Python) | numscope cast | ml_dtypes astype | vs cast | vs astype "
          "| astype spread |")
    print("| :--- | :--- | ---: | ---: | ---: | ---: | ---: | ---: |")
    worst_cast = worst_astype = 0.0
    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        src = pathlib.Path(tmp) / "x.f32"
        for fmt in args.formats.split(","):
            # Data scaled into the format's range (max / 4 standard deviations), as a scaled tensor would be: values
            # beyond ±max leave the fast kernels for the engine, in numscope cast and here alike.
            top = numscope.formats(fmt).tables["floats"][0]["max_f64"]
            x = (base * min(top / 4, 100.0)).astype(np.float32)
            x.tofile(src)
            codes = numscope.encode(x, fmt)
            code_file = pathlib.Path(tmp) / f"x.{fmt}"
            codes.tofile(code_file)
            out = pathlib.Path(tmp) / "out"
            t = types.get(fmt)
            for direction in ("encode", "decode"):
                if direction == "encode":
                    fns = {"py": lambda: numscope.encode(x, fmt)}
                    cmd = [args.cli, "cast", "--from", "fp32", "--to", fmt, "--out", str(out)]
                    stdin = src
                    if t is not None:
                        fns["astype"] = lambda: x.astype(t)
                else:
                    fns = {"py": lambda: numscope.decode(codes, fmt)}
                    cmd = [args.cli, "cast", "--from", fmt, "--to", "fp32", "--out", str(out)]
                    stdin = code_file
                    if t is not None:
                        view = codes.view(t)
                        fns["astype"] = lambda: view.astype(np.float32)

                def run_cast():
                    with open(stdin, "rb") as f:
                        subprocess.run(cmd, stdin=f, stderr=subprocess.DEVNULL, check=True)

                fns["cast"] = run_cast
                times = timed(fns, args.repeat)
                py, cast = min(times["py"]), min(times["cast"])
                worst_cast = max(worst_cast, py / cast)
                if t is not None:
                    astype = min(times["astype"])
                    spread = f"{max(times['astype']) / astype:.2f}"
                    ratio_astype, astype_ms = f"{py / astype:.2f}", f"{astype * 1e3:.1f} ms"
                    worst_astype = max(worst_astype, py / astype)
                else:
                    ratio_astype = astype_ms = spread = "-"
                print(f"| {fmt} | {direction} | {py * 1e3:.1f} ms | {cast * 1e3:.1f} ms | {astype_ms} | "
                      f"{py / cast:.2f} | {ratio_astype} | {spread} |")
    print()
    print(f"largest ratio against numscope cast: {worst_cast:.2f} (target: at most 1.5)")
    print(f"largest ratio against ml_dtypes astype: {worst_astype:.2f} (target: within the noise, the astype "
          "spread, or below 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
