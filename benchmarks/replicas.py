"""Throughput through nginx: one replica against two, side by side in one run.

``python -m benchmarks.replicas [--quick] [--sessions N] [--rounds R] [--replicas 1,2]``
starts one ``python -m deploy.replicas`` per configuration (all of them up at once, on free
loopback ports), warms every replica (its first run imports torch and trains the scene), then
for each round opens N sessions at once (default 100) through each configuration's nginx in
turn, the way a browser does (``benchmarks.load`` with ``browser=True``: page GET, route
cookie, websocket with the cookies, one widget change). Alternating the configurations round
by round shares the machine's noise between them.

Per configuration: whether every session succeeded, the median over rounds of the sessions'
p50 and p95 (page GET to websocket closed), of the throughput (sessions / wall time of the
burst) and the peak memory (each replica's VmHWM since the burst began, summed over replicas);
and how nginx spread the sessions (its access log). ``--quick``: one round of 50.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.load import LR_LABEL, SCENE, Change, load, run_session
from deploy.replicas import find_nginx

ROOT = Path(__file__).resolve().parents[1]


def start(replicas: int, timeout: float = 240) -> tuple[subprocess.Popen, dict]:
    """``python -m deploy.replicas`` on a free port; returns once it printed ``ready``."""
    proc = subprocess.Popen([sys.executable, "-m", "deploy.replicas", "--replicas",
                             str(replicas), "--port", "0", "--timeout", str(timeout)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        if line.startswith("ready "):
            return proc, json.loads(line[len("ready "):])
        seen.append(line)
    proc.wait()
    raise RuntimeError("deploy.replicas did not start:\n" + "".join(seen))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def spread(access_log: str) -> dict[str, int]:
    """Websocket sessions per upstream, from nginx's access log."""
    out: dict[str, int] = {}
    for line in Path(access_log).read_text().splitlines():
        m = re.search(r'"GET /_stcore/stream [^"]*" 101 .*upstream=(\S+)', line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0) + 1
    return out


def _median(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return statistics.median(vals) if vals else None


def summarise(rounds: list[dict]) -> dict[str, Any]:
    return {
        "rounds": len(rounds),
        "sessions": rounds[0]["sessions"],
        "succeeded": sum(r["sessions"] - r["failures"] for r in rounds),
        "total": sum(r["sessions"] for r in rounds),
        "all_succeeded": all(r["failures"] == 0 for r in rounds),
        "session_p50_s": _median([r["session_s"]["p50"] for r in rounds]),
        "session_p95_s": _median([r["session_s"]["p95"] for r in rounds]),
        "first_run_p50_s": _median([r["first_run_s"]["p50"] for r in rounds]),
        "first_run_p95_s": _median([r["first_run_s"]["p95"] for r in rounds]),
        "sessions_per_s": _median([r["sessions_per_s"] for r in rounds]),
        "peak_mb": _median([r.get("peak_mb") for r in rounds]),
        "peak_mb_max": max((r.get("peak_mb") or 0.0) for r in rounds),
        "server_cpu_s": _median([r.get("server_cpu_s") for r in rounds]),
        "wall_s": _median([r["wall_s"] for r in rounds]),
    }


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def print_table(summary: dict[str, dict]) -> None:
    print(f"\n{'through nginx':18s} {'ok/total':>9s} {'p50 s':>7s} {'p95 s':>7s} "
          f"{'sess/s':>7s} {'peak MB':>8s}  spread")
    for name, s in summary.items():
        print(f"{name:18s} {s['succeeded']:>4d}/{s['total']:<4d} {_s(s['session_p50_s']):>7s} "
              f"{_s(s['session_p95_s']):>7s} {_s(s['sessions_per_s']):>7s} "
              f"{s['peak_mb'] or 0:>8.0f}  {s['spread']}")
    print("  medians over rounds; p50/p95: one session, page GET to websocket closed; sess/s: "
          "sessions / wall time of the burst; peak: VmHWM summed over replicas")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.replicas",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one round of 50 sessions")
    ap.add_argument("--sessions", type=int, help="sessions at once per burst (default 100)")
    ap.add_argument("--rounds", type=int, help="bursts per configuration (default 3)")
    ap.add_argument("--replicas", default="1,2", help="configurations (default 1,2)")
    ap.add_argument("--timeout", type=float, default=120, help="per session, seconds")
    ap.add_argument("--no-change", action="store_true",
                    help="sessions only open the page (no widget change)")
    args = ap.parse_args(argv)
    n = args.sessions or (50 if args.quick else 100)
    rounds = args.rounds or (1 if args.quick else 3)
    configs = [int(k) for k in args.replicas.split(",")]

    if find_nginx() is None:
        print("benchmarks.replicas: nginx is not installed (`make nginx`); skipped")
        return {"skipped": "nginx not installed"}
    results: dict[str, Any] = {"sessions": n, "rounds_per_config": rounds,
                               "widget_change": not args.no_change,
                               "loadavg_start": os.getloadavg(), "cpus": os.cpu_count()}
    print(f"\nreplicas behind nginx: {n} sessions at once, {rounds} round(s) per configuration "
          f"{configs}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")
    clusters: dict[int, tuple[subprocess.Popen, dict]] = {}
    try:
        for k in configs:
            clusters[k] = start(k)

        async def warm() -> list:
            return await asyncio.gather(*(
                run_session(r["url"], SCENE, Change(LR_LABEL, 0.07, "lr"), 180)
                for _, info in clusters.values() for r in info["replicas"]))

        t0 = time.perf_counter()
        warmed = asyncio.run(warm())
        results["warmup"] = {"s": time.perf_counter() - t0,
                             "failures": sum(not w.ok for w in warmed)}
        per: dict[int, list[dict]] = {k: [] for k in configs}
        for i in range(rounds):
            for k in configs:
                info = clusters[k][1]
                pids = [r["pid"] for r in info["replicas"]]
                r = asyncio.run(load(info["url"], n, same_scene=True, change=not args.no_change,
                                     timeout=args.timeout, pid=pids, browser=True))
                r["round"] = i + 1
                per[k].append(r)
                print(f"  round {i + 1}, {k} replica(s): {n - r['failures']}/{n} ok, "
                      f"p50 {_s(r['session_s']['p50'])} s, p95 {_s(r['session_s']['p95'])} s, "
                      f"{r['sessions_per_s']:.2f} sessions/s, peak {r.get('peak_mb', 0):.0f} MB, "
                      f"replicas' CPU {r.get('server_cpu_s', 0):.1f} s in {r['wall_s']:.1f} s",
                      flush=True)
                time.sleep(2)
        summary = {}
        for k in configs:
            s = summarise(per[k])
            s["spread"] = spread(clusters[k][1]["nginx"]["access_log"])
            summary[f"{k} replica{'s' if k > 1 else ''}"] = s
        results["summary"] = summary
        results["runs"] = {str(k): v for k, v in per.items()}
        if 1 in configs and len(configs) > 1:
            base = summary["1 replica"]["sessions_per_s"]
            results["throughput_ratio"] = {
                name: (s["sessions_per_s"] / base if base else None)
                for name, s in summary.items()}
            # Round by round (the bursts ran back to back): the spread of the gain.
            results["throughput_ratio_by_round"] = {
                f"{k} replicas": [b["sessions_per_s"] / a["sessions_per_s"]
                                  for a, b in zip(per[1], per[k], strict=True)]
                for k in configs if k != 1}
        results["loadavg_end"] = os.getloadavg()
        print_table(summary)
        if "throughput_ratio" in results:
            print("  throughput against 1 replica (medians): " + ", ".join(
                f"{name} x{r:.2f}" for name, r in results["throughput_ratio"].items()
                if name != "1 replica") + "; round by round: " + ", ".join(
                f"{name} " + " ".join(f"x{x:.2f}" for x in xs)
                for name, xs in results["throughput_ratio_by_round"].items()))
    finally:
        for proc, _ in clusters.values():
            stop(proc)
    return results


if __name__ == "__main__":
    res = main()
    if os.environ.get("REPLICAS_JSON"):
        Path(os.environ["REPLICAS_JSON"]).write_text(json.dumps(res, indent=2, default=float))
