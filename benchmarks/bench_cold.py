"""Cold start: from launching the server to the first chart drawn in headless Chromium.

Each repeat starts a fresh `streamlit run app.py` (new process, empty caches), opens the
default page in Debian's Chromium and waits for the animation's slider to exist, then opens
the page once more on the now warm server (the browser's own share). Run as
`python -m benchmarks.bench_cold`.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one(browser) -> dict[str, float]:
    port = _port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.headless", "true"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        healthy = time.perf_counter() - t0
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(".js-plotly-plot .slider-group", timeout=120_000)
        drawn = time.perf_counter() - t0
        page.close()
        # The same page again on the now warm server: the browser's own share (Streamlit's
        # frontend and plotly.js loaded, parsed and drawn), the floor of the cold figure.
        page = browser.new_page()
        t1 = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(".js-plotly-plot .slider-group", timeout=120_000)
        warm = time.perf_counter() - t1
        page.close()
        return {"server_healthy_s": healthy, "first_chart_s": drawn, "warm_page_chart_s": warm}
    finally:
        proc.terminate()
        proc.wait(10)


def main(repeats: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        runs = [one(browser) for _ in range(repeats)]
        browser.close()
    first = [r["first_chart_s"] for r in runs]
    out = {"runs": runs, "first_chart_median_s": statistics.median(first),
           "first_chart_min_s": min(first), "first_chart_max_s": max(first),
           "warm_page_chart_median_s": statistics.median(r["warm_page_chart_s"] for r in runs)}
    print(f"\nCold start to first chart: median {out['first_chart_median_s']:.2f} s "
          f"({out['first_chart_min_s']:.2f}–{out['first_chart_max_s']:.2f}); server healthy "
          f"after {statistics.median(r['server_healthy_s'] for r in runs):.2f} s; the same "
          f"page on the warm server: {out['warm_page_chart_median_s']:.2f} s")
    return out


if __name__ == "__main__":
    main()
