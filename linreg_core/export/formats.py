"""Exports of one gradient-descent run, as pure functions returning ``str`` or ``bytes``.

* :func:`html_export` — a standalone page that plays the animation with no server and no
  network (plotly.js inlined, no MathJax, no web fonts).
* :func:`gif_export` — an animated GIF drawn by matplotlib (Agg) without a browser.
* :func:`history_csv`, :func:`history_json` — the recorded history, one row per epoch.
* :func:`python_snippet` — a self-contained script (torch and numpy; scikit-learn only for the
  diabetes data) that regenerates the same data and replays the same run, printing
  ``Final loss: …`` equal to ``fit_gd``'s last recorded loss.

No UI import here: the page and the command line both call these.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import tempfile
from dataclasses import fields
from typing import Any

import numpy as np

from linreg_core.engine.training import DIVERGENCE_FACTOR, GDResult
from linreg_core.figures.common import DATA, FIT, LOSS, OPTIMUM, sample_frames
from linreg_core.settings import (
    BATCH_LABELS,
    DATASET_LABELS,
    OPTIMIZER_LABELS,
    GDSettings,
)

FORMATS = ("html", "gif", "csv", "json", "py")
MEDIA_TYPES = {"html": "text/html", "gif": "image/gif", "csv": "text/csv",
               "json": "application/json", "py": "text/x-python"}
MIN_GIF_FRAMES = 10
GIF_MAX_POINTS = 2000


def settings_dict(settings: GDSettings) -> dict[str, Any]:
    """The settings of a scene as a plain dict (without the free-form ``extra``)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings) if f.name != "extra"}


# ----------------------------------------------------------------------------------- HTML


def html_export(figure: dict[str, Any], title: str) -> str:
    """A standalone HTML page that plays ``figure`` (a Plotly figure dict with frames).

    plotly.js is inlined (about 4.5 MB), MathJax is left out and nothing is fetched from the
    web, so the file plays offline from ``file://``. The figure dict goes in as is (no
    validation), so base64 typed arrays (``{"dtype", "bdata"}``) reach plotly.js unchanged.
    """
    import plotly.io as pio

    page = pio.to_html(
        figure, include_plotlyjs=True, full_html=True, auto_play=False, include_mathjax=False,
        validate=False, config={"displaylogo": False, "responsive": True,
                                # an offline page: no "Share chart..." upload button
                                "modeBarButtonsToRemove": ["sendChartToCloud"]},
        default_width="100%", default_height=f"{figure.get('layout', {}).get('height', 640)}px",
    )
    safe_title = html.escape(str(title), quote=True)
    head = (f"<title>{safe_title}</title>\n<style>body{{margin:16px;font-family:sans-serif}}"
            f"h1{{font-size:20px;margin:0 0 8px 0}}</style>\n")
    page = page.replace("</head>", head + "</head>", 1)
    return page.replace("<body>", f"<body>\n<h1>{safe_title}</h1>", 1)


# ------------------------------------------------------------------------------------ GIF


def _gif_frames(loss: np.ndarray, max_frames: int) -> np.ndarray:
    """Epochs to draw: the figure's sampling (denser where the loss falls fastest), and at
    least ``MIN_GIF_FRAMES`` evenly spread ones whenever the run has that many states."""
    n = len(loss)
    idx = sample_frames(loss, max(int(max_frames), MIN_GIF_FRAMES))
    even = np.round(np.linspace(0, n - 1, min(n, MIN_GIF_FRAMES))).astype(int)
    return np.unique(np.concatenate([idx, even]))


def _shared_palette_writer_class() -> type:
    from matplotlib.animation import PillowWriter
    from PIL import Image

    class SharedPaletteWriter(PillowWriter):
        """``PillowWriter`` whose frames share the first frame's palette.

        The stock writer leaves Pillow to quantize every frame on its own (~35 ms a frame);
        here the first frame's 256 colours serve them all (every colour of the animation is in
        the first frame already), which is ~30× faster and makes a smaller file.
        """

        def setup(self, fig, outfile, dpi=None):
            super().setup(fig, outfile, dpi=dpi)
            self._paletted: list[Image.Image] = []

        def grab_frame(self, **savefig_kwargs):
            buf = io.BytesIO()
            self.fig.savefig(buf, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
            rgb = Image.frombuffer("RGBA", self.frame_size, buf.getbuffer(), "raw", "RGBA",
                                   0, 1).convert("RGB")
            if not self._paletted:
                self._paletted.append(rgb.quantize(colors=256,
                                                   method=Image.Quantize.MEDIANCUT))
            else:
                self._paletted.append(rgb.quantize(palette=self._paletted[0],
                                                   dither=Image.Dither.NONE))

        def finish(self):
            first, *rest = self._paletted
            first.save(self.outfile, save_all=True, append_images=rest,
                       duration=int(1000 / self.fps), loop=0)

    return SharedPaletteWriter


def gif_export(
    scene: Any = None,
    *,
    X: np.ndarray | None = None,
    y: np.ndarray | None = None,
    result: GDResult | None = None,
    feature_names: list[str] | None = None,
    target_name: str | None = None,
    log_loss: bool | None = None,
    optimum: Any = None,
    title: str | None = None,
    max_frames: int = 60,
    fps: int = 12,
    dpi: int = 80,
) -> bytes:
    """An animated GIF of a run, drawn by matplotlib (Agg) and ``PillowWriter``.

    Pass a :class:`~linreg_core.scenes.gd.GDScene`, or its parts ``X`` (the features as trained
    on), ``y`` and ``result`` (``optimum``, a ``ClosedForm``, adds the least-squares line).
    One feature: the data with the fitted line of each frame's epoch; several features:
    predicted against actual. Beside it, the loss curve with a
    marker at the frame's epoch. At most about ``max_frames`` epochs are drawn (sampled as the
    figure samples them, denser early), at least ten when the run has ten states.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if scene is not None:
        X = scene.X if X is None else X
        y = scene.dataset.y if y is None else y
        result = scene.result if result is None else result
        feature_names = feature_names or scene.dataset.feature_names
        target_name = target_name or scene.dataset.target_name
        log_loss = scene.settings.log_loss if log_loss is None else log_loss
        optimum = scene.optimum if optimum is None else optimum
    if X is None or y is None or result is None:
        raise ValueError("gif_export needs a scene or X, y and result")
    if fps < 1:
        raise ValueError(f"fps must be at least 1, got {fps}")
    X = np.asarray(X, dtype=np.float64)
    y1 = np.asarray(y, dtype=np.float64).reshape(len(X), -1)[:, 0]
    W = np.asarray(result.weights, dtype=np.float64)[:, :, 0]
    b = np.asarray(result.bias, dtype=np.float64)[:, 0]
    loss = np.asarray(result.loss, dtype=np.float64)
    names = feature_names or [f"x{j + 1}" for j in range(X.shape[1])]
    target_name = target_name or "y"
    idx = _gif_frames(loss, max_frames)
    rng = np.random.default_rng(0)
    rows = (np.arange(len(X)) if len(X) <= GIF_MAX_POINTS
            else np.sort(rng.choice(len(X), GIF_MAX_POINTS, replace=False)))

    fig = Figure(figsize=(9.0, 3.6), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)  # local canvas: no pyplot, no global state (safe in a server thread)
    ax, ax_loss = fig.subplots(1, 2)

    def pad(lo: float, hi: float, frac: float = 0.08) -> tuple[float, float]:
        span = hi - lo if hi > lo else max(abs(hi), 1.0)
        return lo - frac * span, hi + frac * span

    if X.shape[1] == 1:
        x = X[:, 0]
        ax.scatter(x[rows], y1[rows], s=12, color=DATA, alpha=0.7, label="data")
        xr = np.array([x.min(), x.max()])
        if optimum is not None:
            wo, bo = float(optimum.weights[0, 0]), float(optimum.bias[0])
            ax.plot(xr, wo * xr + bo, color=OPTIMUM, ls="--", lw=1.5, label="least squares")
        (fit_line,) = ax.plot(xr, W[idx[0], 0] * xr + b[idx[0]], color=FIT, lw=2.5,
                              label="gradient descent")
        model_artist: Any = fit_line
        ax.set_xlim(*pad(*xr))
        ax.set_xlabel(names[0])
        ax.set_ylabel(target_name)
        ax.set_title("Data and fitted line", fontsize=11)

        def draw_model(k: int) -> None:
            fit_line.set_data(xr, W[k, 0] * xr + b[k])
    else:
        lo, hi = float(y1.min()), float(y1.max())
        ax.plot([lo, hi], [lo, hi], color=OPTIMUM, ls="--", lw=1.5, label="perfect fit")
        pts = ax.scatter(y1[rows], X[rows] @ W[idx[0]] + b[idx[0]], s=12, color=DATA,
                         alpha=0.7, label="predicted vs actual")
        model_artist = pts
        ax.set_xlim(*pad(lo, hi))
        ax.set_xlabel(f"actual {target_name}")
        ax.set_ylabel(f"predicted {target_name}")
        ax.set_title("Predicted vs actual", fontsize=11)

        def draw_model(k: int) -> None:
            pts.set_offsets(np.column_stack([y1[rows], X[rows] @ W[k] + b[k]]))
    ax.set_ylim(*pad(float(y1.min()), float(y1.max())))
    ax.legend(loc="upper left", fontsize=8)

    epochs = np.arange(len(loss))
    good = np.isfinite(loss) & ((loss > 0) if log_loss else True)
    ax_loss.plot(epochs[good], loss[good], color=LOSS, lw=2)
    (marker,) = ax_loss.plot([], [], "o", color=FIT, ms=8, mec="white", mew=1.5)
    if log_loss:
        ax_loss.set_yscale("log")
    elif good.any():
        ax_loss.set_ylim(*pad(min(float(loss[good].min()), 0.0), float(loss[good].max()), 0.05))
    ax_loss.set_xlim(*pad(0, max(len(loss) - 1, 1), 0.02))
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss (MSE)" + (" (log)" if log_loss else ""))
    ax_loss.set_title("Loss per epoch", fontsize=11)
    heading = fig.suptitle("", fontsize=12)
    prefix = f"{title} · " if title else ""

    # Draw everything that does not move once, keep it as a background image, and leave only
    # the moving artists to be drawn per frame: a full matplotlib draw per frame (tick labels,
    # layout) costs ~0.2 s, this ~0.02 s.
    moving = [model_artist, marker, heading]
    heading.set_text(f"{prefix}Epoch {len(loss) - 1}   loss 0.0000e+00")  # a widest text
    fig.draw_without_rendering()  # the constrained layout, with room for the heading
    # Freeze the positions it found (None, not "none": a placeholder engine would make every
    # savefig draw twice).
    fig.set_layout_engine(None)
    for artist in moving:
        artist.set_visible(False)
    fig.canvas.draw()
    background = np.asarray(fig.canvas.buffer_rgba()).copy()
    for a in (ax, ax_loss):
        for child in a.get_children():
            if child not in moving:
                child.set_visible(False)
        a.set_axis_off()
    fig.patch.set_visible(False)
    fig.figimage(background, xo=0, yo=0, origin="upper", zorder=-10, interpolation="nearest",
                 resample=False)
    for artist in moving:
        artist.set_visible(True)

    writer = _shared_palette_writer_class()(fps=int(fps))
    with tempfile.TemporaryDirectory(prefix="linreg-gif-") as tmp:
        path = os.path.join(tmp, "run.gif")
        with writer.saving(fig, path, dpi):
            for k in (int(i) for i in idx):
                draw_model(k)
                finite = math.isfinite(loss[k])
                marker.set_data([k] if finite else [], [loss[k]] if finite else [])
                heading.set_text(f"{prefix}Epoch {k}   loss {loss[k]:.4g}")
                writer.grab_frame()
        with open(path, "rb") as fh:
            return fh.read()


# ----------------------------------------------------------------------------- CSV / JSON


def _check_names(result: GDResult, feature_names: list[str] | None) -> list[str]:
    d = np.asarray(result.weights).shape[1]
    names = list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(d)]
    if len(names) != d:
        raise ValueError(f"{len(names)} feature names for {d} weights")
    return [str(n) for n in names]


def history_csv(result: GDResult, feature_names: list[str] | None) -> str:
    """``epoch,loss,w[<name>]...,b``: one row per recorded state (0 … epochs_run), output 0,
    every number at full float precision (``repr``)."""
    names = _check_names(result, feature_names)
    W = np.asarray(result.weights)[:, :, 0]
    b = np.asarray(result.bias)[:, 0]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["epoch", "loss", *(f"w[{n}]" for n in names), "b"])
    for k, value in enumerate(np.asarray(result.loss)):
        writer.writerow([k, repr(float(value)), *(repr(float(w)) for w in W[k]),
                         repr(float(b[k]))])
    return buf.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def history_json(result: GDResult, feature_names: list[str] | None,
                 settings: dict[str, Any] | GDSettings | None = None) -> str:
    """``result.to_dict()`` (its ``settings`` are ``fit_gd``'s) plus ``feature_names`` and
    the scene's ``scene_settings``; strict JSON (non-finite numbers are ``null``)."""
    names = _check_names(result, feature_names)
    if isinstance(settings, GDSettings):
        settings = settings_dict(settings)
    payload = {"feature_names": names, "scene_settings": dict(settings or {}),
               **result.to_dict()}
    return json.dumps(payload, allow_nan=False, default=_plain)


# --------------------------------------------------------------------------- Python script


def _f(value: float) -> str:
    """A float literal that reads back to exactly the same number."""
    return repr(float(value))


def _data_code(s: GDSettings) -> tuple[list[str], bool]:
    """Lines that leave ``X`` and ``y`` as float32 tensors; True if they use scikit-learn.

    The calls are data.py's, in the same order, so the numbers are identical.
    """
    lines: list[str] = []
    if s.dataset == "seed":
        seed = int(s.seed)
        lines += [
            f"# Synthetic data: y = 2 * x + 3, the notes' torch.manual_seed({seed}),",
            "# drawn from a local generator (the same numbers as the global seed)",
            f"data_gen = torch.Generator().manual_seed({seed})",
            "x_train = torch.randn(100, 1, generator=data_gen)",
            "y_train = 2 * x_train + 3 + 0.1 * torch.randn(100, 1, generator=data_gen)"
            "  # Adding some noise",
            "notes_W0 = torch.randn(1, 1, generator=data_gen)"
            "  # the notes' initial weight: the next draw",
            "",
        ]
        if s.standardize:
            lines += ["X_np = x_train.numpy().astype(np.float64)", "y = y_train", ""]
        else:
            lines += ["X = x_train", "y = y_train", ""]
        return lines, False
    if s.dataset in ("line", "outliers"):
        outliers = float(s.outliers) if s.dataset == "outliers" else 0.0
        lines += [
            f"# y = {s.slope:g}·x + {s.intercept:g} + {s.noise:g}·noise, x uniform on "
            f"[{s.x_min:g}, {s.x_max:g}]",
            f"n, slope, intercept, noise = {int(s.n)}, {_f(s.slope)}, {_f(s.intercept)}, "
            f"{_f(s.noise)}",
            f"x_min, x_max = {_f(s.x_min)}, {_f(s.x_max)}",
            f"rng = np.random.default_rng({int(s.seed)})",
            "X_np = rng.uniform(x_min, x_max, size=(n, 1))",
            "y_np = slope * X_np + intercept + noise * rng.standard_normal((n, 1))",
        ]
        if round(outliers * int(s.n)):
            lines += [
                f"# Outliers: a fraction {outliers:g} of the points pushed far off the line",
                f"k = round({_f(outliers)} * n)",
                "spread = max(abs(slope) * (x_max - x_min), noise, 1.0)",
                "idx = rng.choice(n, size=k, replace=False)",
                "y_np[idx, 0] += (rng.choice([-1.0, 1.0], size=k)"
                " * rng.uniform(0.8, 1.5, size=k) * spread)",
            ]
        lines.append("")
        return lines, False
    if s.dataset == "seed3":
        lines += [
            "# The notes' 3-feature example: W = [2, -3, 1], b = 0.5, noise 0.1",
            f"rs = np.random.RandomState({int(s.seed)})  # the same numbers as np.random.seed",
            "X_np = rs.randn(100, 3)",
            "true_w = np.array([2.0, -3.0, 1.0])",
            "y_np = (X_np @ true_w + 0.5 + 0.1 * rs.randn(100)).reshape(-1, 1)",
            "",
        ]
        return lines, False
    if s.dataset == "diabetes":
        lines += [
            "# scikit-learn's diabetes data: 442 patients, progression after one year",
            "from sklearn.datasets import load_diabetes",
            "",
            "raw = load_diabetes()",
            "X_np = np.asarray(raw.data, dtype=float)",
        ]
        if s.feature != "all":
            lines += [f"X_np = X_np[:, [list(raw.feature_names).index({s.feature!r})]]"
                      f"  # one feature"]
        lines += ["y_np = np.asarray(raw.target, dtype=float).reshape(-1, 1)", ""]
        return lines, True
    raise ValueError(
        f"a script cannot regenerate the dataset {s.dataset!r}"
        + ("; uploaded data is not embedded (export csv or json instead)"
           if s.dataset == "csv" else "")
    )


def _describe(s: GDSettings, n: int, d: int) -> list[str]:
    data_label = DATASET_LABELS.get(s.dataset, s.dataset)
    if s.dataset == "diabetes":
        data_label += f", feature {s.feature}" if s.feature != "all" else ", all ten features"
    if s.dataset in ("line", "outliers"):
        data_label += f", {s.n} points"
    opt = OPTIMIZER_LABELS[s.optimizer] + (f", momentum {s.momentum:g}"
                                           if s.optimizer == "sgd" else "")
    batch = BATCH_LABELS[s.batch] + (f" of {s.batch_size}" if s.batch == "mini" else "")
    return [
        f"Dataset: {data_label} (seed {s.seed}; {n} rows, {d} feature{'s' * (d != 1)})"
        + (", standardized" if s.standardize else ""),
        f"Training: learning rate {s.lr:g}, {s.epochs} epochs, {opt}, {batch}",
    ]


def python_snippet(settings: GDSettings, expected_final_loss: float | None = None) -> str:
    """A standalone script that regenerates the data and replays the run of ``settings``.

    It makes the same generator calls as ``data.py`` (standardizing if asked), the same
    initial draw as the scene (the notes' ``randn`` after the data for the notes' example with
    a random init and raw features; otherwise ``torch.Generator().manual_seed(seed)`` then
    ``torch.randn(D, 1)``; zeros; or the chosen ``w0``/``b0``), the same optimizer, and the same
    batches (``torch.randperm`` from the generator that drew the initial weights), in float32,
    and prints ``Final loss: {loss:.4f}``, the full-data MSE of the final state, which equals
    ``fit_gd(...).loss[-1]`` (divergence stops the run at the same epoch).
    """
    from linreg_core.scenes.gd import load_dataset, uses_gram

    s = settings
    if s.optimizer not in OPTIMIZER_LABELS:
        raise ValueError(f"unknown optimizer {s.optimizer!r}")
    if s.batch not in BATCH_LABELS:
        raise ValueError(f"unknown batch mode {s.batch!r}")
    if s.init not in ("random", "zeros", "chosen"):
        raise ValueError(f"unknown init {s.init!r}")
    data_lines, uses_sklearn = _data_code(s)
    ds = load_dataset(s)  # validates the settings and gives the shape the script will see
    n, d = ds.n_samples, ds.n_features
    batch_size = {"full": None, "mini": int(s.batch_size), "single": 1}[s.batch]
    full_batch = batch_size is None or batch_size >= n
    notes_draw = s.dataset == "seed" and s.init == "random" and not s.standardize
    random_init = s.init == "random" and not notes_draw
    numpy_data = not (s.dataset == "seed" and not s.standardize)

    out: list[str] = ['"""Reproduce one run of the Linear Regression Playground, standalone.', ""]
    out += _describe(s, n, d)
    out += ["", "Needs torch and numpy" + (" (and scikit-learn for the data)" if uses_sklearn
                                           else "") + ". Prints the loss as the run goes and",
            "ends with the full-data mean squared error of the final W and b."]
    if expected_final_loss is not None:
        out += [f"The playground's run ended at: Final loss: {expected_final_loss:.4f}"]
    if uses_gram(s, n, d):
        out += ["(The playground took this run's gradients from AᵀA in float64; autograd here",
                "agrees to about 1e-7.)"]
    out += ['"""', "", "import math", ""]
    out += ["import numpy as np"] if numpy_data else []
    out += ["import torch", "", ""]
    out += ["# ---------------------------------------------------------------- the data"]
    out += data_lines
    if s.standardize:
        out += [
            "# Standardize each feature: (x - mean) / std (a constant column is only centred)",
            "mean = X_np.mean(axis=0)",
            "scale = X_np.std(axis=0)",
            "scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)",
            "X_np = (X_np - mean) / scale",
            "",
        ]
    if numpy_data:
        out += ["# float32 tensors, as the playground trains on"]
        out += ["X = torch.as_tensor(X_np, dtype=torch.float32)"]
        if s.dataset != "seed":
            out += ["y = torch.as_tensor(y_np, dtype=torch.float32)"]
        out += [""]
    out += [f"n, D = X.shape  # {n} rows, {d} feature{'s' * (d != 1)}", ""]

    out += ["# ------------------------------------------------ initialize W and b (ŷ = XW + b)"]
    if random_init or not full_batch:
        out += [f"gen = torch.Generator().manual_seed({int(s.seed)})"
                "  # one generator: the initial W, then the shuffling"]
    if notes_draw:
        out += ["W = notes_W0.clone()  # W ~ N(0, 1): the notes' draw right after the data",
                "b = torch.zeros(1)"]
    elif s.init == "random":
        out += ["W = torch.randn(D, 1, generator=gen)  # W ~ N(0, 1)", "b = torch.zeros(1)"]
    elif s.init == "zeros":
        out += ["W = torch.zeros(D, 1)", "b = torch.zeros(1)"]
    else:
        out += [f"W = torch.full((D, 1), {_f(s.w0)})  # every weight starts at w0",
                f"b = torch.full((1,), {_f(s.b0)})"]
    out += ["W.requires_grad_(True)  # autograd tracks W and b",
            "b.requires_grad_(True)", ""]

    out += ["# ------------------------------------------------------------------ training",
            f"lr = {_f(s.lr)}", f"epochs = {int(s.epochs)}"]
    if not full_batch:
        out += [f"batch_size = {batch_size}"]
    if s.optimizer == "sgd":
        out += [f"optimizer = torch.optim.SGD([W, b], lr=lr, momentum={_f(s.momentum)})"]
    elif s.optimizer == "adam":
        out += ["optimizer = torch.optim.Adam([W, b], lr=lr)"]
    out += [
        "",
        "",
        "def forward(X):",
        "    return X @ W + b  # X (N, D) @ W (D, 1) + b (1,)",
        "",
        "",
        "def mse_loss(predictions, targets):",
        "    return (predictions - targets).pow(2).mean()  # Mean Squared Error loss",
        "",
        "",
    ]
    if s.optimizer == "manual":
        step = [
            "# Update weights: the notes' step, inside torch.no_grad()",
            "with torch.no_grad():",
            "    W -= lr * W.grad",
            "    b -= lr * b.grad",
            "",
            "    # Zero the gradients after updating",
            "    W.grad.zero_()",
            "    b.grad.zero_()",
        ]
    else:
        step = ["optimizer.step()", "optimizer.zero_grad()"]
    out += [
        "# The playground stops a run whose loss is no longer finite or grows above",
        "# a million times its initial value.",
        "with torch.no_grad():",
        f"    limit = {DIVERGENCE_FACTOR:.0e} * max(mse_loss(forward(X), y).item(), 1e-30)"
        .replace("e+0", "e"),
        "",
        "",
        "def diverged(value):",
        "    return not math.isfinite(value) or value > limit",
        "",
        "",
    ]

    def indent(block: list[str], level: int) -> list[str]:
        return [("    " * level + line) if line else "" for line in block]

    if full_batch:
        out += [
            "for epoch in range(epochs):",
            "    # Forward pass and loss, with autograd on",
            "    y_pred = forward(X)",
            "    loss = mse_loss(y_pred, y)",
            "    if diverged(loss.item()):",
            "        print(f\"Diverged at epoch {epoch}: loss {loss.item():.4g}\")",
            "        break",
            "",
            "    # Backward pass: fills W.grad and b.grad",
            "    loss.backward()",
            *indent(step, 1),
            "",
            "    if (epoch + 1) % 10 == 0 or epoch == 0:",
            "        print(f\"Epoch {epoch + 1}/{epochs}, Loss: {loss.item():.4f}\")",
        ]
    else:
        out += [
            "for epoch in range(epochs):",
            "    order = torch.randperm(n, generator=gen)  # a new shuffle every epoch",
            "    for start in range(0, n, batch_size):",
            "        idx = order[start:start + batch_size]",
            "        # Forward pass and loss on the batch, then the backward pass",
            "        loss = mse_loss(forward(X[idx]), y[idx])",
            "        loss.backward()",
            *indent(step, 2),
            "",
            "    with torch.no_grad():  # the full-data loss after the epoch",
            "        epoch_loss = mse_loss(forward(X), y).item()",
            "    if diverged(epoch_loss):",
            "        print(f\"Diverged at epoch {epoch + 1}: loss {epoch_loss:.4g}\")",
            "        break",
            "    if (epoch + 1) % 10 == 0 or epoch == 0:",
            "        print(f\"Epoch {epoch + 1}/{epochs}, Loss: {epoch_loss:.4f}\")",
        ]
    out += [
        "",
        "# The full-data MSE of the final W and b",
        "with torch.no_grad():",
        "    final_loss = mse_loss(forward(X), y).item()",
        "print(f\"Final W: {W.detach().view(-1).tolist()}, b: {b.item()}\")",
        "print(f\"Final loss: {final_loss:.4f}\")",
        "",
    ]
    return "\n".join(out)
