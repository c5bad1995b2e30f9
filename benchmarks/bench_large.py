"""Large data: training on 1,000,000 × 100 (all rows), its time and peak memory.

Each case runs in its own subprocess so that its peak resident memory (ru_maxrss) is its own.
Run as `python -m benchmarks.bench_large`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASE = r'''
import json, resource, sys, time
import numpy as np, torch
torch.set_num_threads(2)
from linreg_core.data.datasets import Dataset
from linreg_core.scenes.gd import build_gd_scene, scene_figure
from linreg_core.settings import GDSettings
n, d, epochs, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
X = rng.standard_normal((n, d))
y = (X @ rng.standard_normal(d) + 0.5 + rng.standard_normal(n)).reshape(-1, 1)
ds = Dataset(name="csv", X=X, y=y, feature_names=[f"x{j}" for j in range(d)])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
s = GDSettings(dataset="csv", lr=0.1, epochs=epochs, batch=batch, batch_size=1024)
scene = build_gd_scene(s, dataset=ds)
scene_figure(scene)  # what the page draws (5,000 sampled points): timed with the run
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "peak_mb": peak, "data_mb": X.nbytes / 2**20,
                  "before_training_mb": base, "final_loss": scene.result.final_loss,
                  "optimal_loss": scene.optimum.loss, "gradient": scene.gradient,
                  "points_drawn": min(n, 5000)}))
'''

REFERENCE = r'''
import json, sys, time
import numpy as np, torch
torch.set_num_threads(2)
from linreg_core.engine.model import LinearRegression
import io, contextlib
n, d, epochs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
g = torch.Generator().manual_seed(0)
X = torch.randn(n, d, generator=g)
y = X @ torch.randn(d, 1, generator=g) + 0.5
m = LinearRegression(d, 1, lr=0.1, generator=g)
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    m.train(X, y, epochs)
print(json.dumps({"seconds_per_epoch": (time.perf_counter() - t) / epochs}))
'''


def _run(code: str, *args: object) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> dict:
    results = {
        "full batch 1,000,000 x 100, 1000 epochs (page scene)": _run(CASE, 1_000_000, 100,
                                                                      1000, "full"),
        "mini-batch 1024, 1,000,000 x 100, 2 epochs (page scene)": _run(CASE, 1_000_000, 100,
                                                                         2, "mini"),
        "notes' autograd loop 1,000,000 x 100 (per epoch, 5 epochs)": _run(REFERENCE,
                                                                            1_000_000, 100, 5),
    }
    print("\nLarge data")
    for name, r in results.items():
        print(f"  {name}: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                        for k, v in r.items()))
    full = results["full batch 1,000,000 x 100, 1000 epochs (page scene)"]["seconds"]
    ref = results["notes' autograd loop 1,000,000 x 100 (per epoch, 5 epochs)"][
        "seconds_per_epoch"] * 1000
    results["speedup_full_batch_vs_reference_1000_epochs"] = ref / full
    print(f"  1000 epochs: reference loop (extrapolated) {ref:.1f} s, scene {full:.1f} s: "
          f"{ref / full:.1f}x")
    return results


if __name__ == "__main__":
    main()
