"""The animated GIF of a run, drawn by matplotlib (Agg) without a browser."""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg_core.engine.training import GDResult
from linreg_core.figures.common import DATA, FIT, LOSS, OPTIMUM, padded_range, sample_frames

MIN_GIF_FRAMES = 10
GIF_MAX_POINTS = 2000


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


@dataclass
class _GifRun:
    """What the GIF draws of one run."""

    X: np.ndarray  # the features as trained on
    y: np.ndarray  # (n,): the first output
    W: np.ndarray  # (states, D)
    b: np.ndarray  # (states,)
    loss: np.ndarray
    names: list[str]
    target_name: str
    log_loss: bool | None
    optimum: Any  # a ClosedForm, or None


def _gif_run(scene: Any, X: np.ndarray | None, y: np.ndarray | None, result: GDResult | None,
             feature_names: list[str] | None, target_name: str | None, log_loss: bool | None,
             optimum: Any, fps: int) -> _GifRun:
    """The run's arrays, from the scene unless given; a ``ValueError`` if some are missing
    or ``fps`` is below 1."""
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
    return _GifRun(X=X, y=np.asarray(y, dtype=np.float64).reshape(len(X), -1)[:, 0],
                   W=np.asarray(result.weights, dtype=np.float64)[:, :, 0],
                   b=np.asarray(result.bias, dtype=np.float64)[:, 0],
                   loss=np.asarray(result.loss, dtype=np.float64),
                   names=feature_names or [f"x{j + 1}" for j in range(X.shape[1])],
                   target_name=target_name or "y", log_loss=log_loss, optimum=optimum)


def _draw_fitted_line(ax: Any, run: _GifRun, rows: np.ndarray,
                      k0: int) -> tuple[Any, Callable[[int], None]]:
    """One feature: the data, the least-squares line and the fitted line at epoch ``k0``.
    Returns the moving artist and the function that moves it to an epoch."""
    W, b, y1 = run.W, run.b, run.y
    x = run.X[:, 0]
    ax.scatter(x[rows], y1[rows], s=12, color=DATA, alpha=0.7, label="data")
    xr = np.array([x.min(), x.max()])
    if run.optimum is not None:
        wo, bo = float(run.optimum.weights[0, 0]), float(run.optimum.bias[0])
        ax.plot(xr, wo * xr + bo, color=OPTIMUM, ls="--", lw=1.5, label="least squares")
    (fit_line,) = ax.plot(xr, W[k0, 0] * xr + b[k0], color=FIT, lw=2.5,
                          label="gradient descent")
    ax.set_xlim(*padded_range(*xr))
    ax.set_xlabel(run.names[0])
    ax.set_ylabel(run.target_name)
    ax.set_title("Data and fitted line", fontsize=11)

    def draw_model(k: int) -> None:
        fit_line.set_data(xr, W[k, 0] * xr + b[k])

    return fit_line, draw_model


def _draw_predictions(ax: Any, run: _GifRun, rows: np.ndarray,
                      k0: int) -> tuple[Any, Callable[[int], None]]:
    """Several features: predicted against actual at epoch ``k0``, beside the diagonal.
    Returns the moving artist and the function that moves it to an epoch."""
    X, W, b, y1 = run.X, run.W, run.b, run.y
    lo, hi = float(y1.min()), float(y1.max())
    ax.plot([lo, hi], [lo, hi], color=OPTIMUM, ls="--", lw=1.5, label="perfect fit")
    pts = ax.scatter(y1[rows], X[rows] @ W[k0] + b[k0], s=12, color=DATA,
                     alpha=0.7, label="predicted vs actual")
    ax.set_xlim(*padded_range(lo, hi))
    ax.set_xlabel(f"actual {run.target_name}")
    ax.set_ylabel(f"predicted {run.target_name}")
    ax.set_title("Predicted vs actual", fontsize=11)

    def draw_model(k: int) -> None:
        pts.set_offsets(np.column_stack([y1[rows], X[rows] @ W[k] + b[k]]))

    return pts, draw_model


def _draw_loss(ax_loss: Any, run: _GifRun) -> Any:
    """The loss curve; returns the (empty) marker of the current epoch."""
    loss, log_loss = run.loss, run.log_loss
    epochs = np.arange(len(loss))
    good = np.isfinite(loss) & ((loss > 0) if log_loss else True)
    ax_loss.plot(epochs[good], loss[good], color=LOSS, lw=2)
    (marker,) = ax_loss.plot([], [], "o", color=FIT, ms=8, mec="white", mew=1.5)
    if log_loss:
        ax_loss.set_yscale("log")
    elif good.any():
        ax_loss.set_ylim(*padded_range(min(float(loss[good].min()), 0.0),
                                       float(loss[good].max()), 0.05))
    ax_loss.set_xlim(*padded_range(0, max(len(loss) - 1, 1), 0.02))
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss (MSE)" + (" (log)" if log_loss else ""))
    ax_loss.set_title("Loss per epoch", fontsize=11)
    return marker


def _freeze_background(fig: Any, axes: tuple, moving: list[Any]) -> None:
    """Draw everything that does not move once, keep it as a background image, and leave
    only the ``moving`` artists to be drawn per frame: a full matplotlib draw per frame
    (tick labels, layout) costs ~0.2 s, this ~0.02 s."""
    fig.draw_without_rendering()  # the constrained layout, with room for the heading
    # Freeze the positions it found (None, not "none": a placeholder engine would make every
    # savefig draw twice).
    fig.set_layout_engine(None)
    for artist in moving:
        artist.set_visible(False)
    fig.canvas.draw()
    background = np.asarray(fig.canvas.buffer_rgba()).copy()
    for a in axes:
        for child in a.get_children():
            if child not in moving:
                child.set_visible(False)
        a.set_axis_off()
    fig.patch.set_visible(False)
    fig.figimage(background, xo=0, yo=0, origin="upper", zorder=-10, interpolation="nearest",
                 resample=False)
    for artist in moving:
        artist.set_visible(True)


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

    run = _gif_run(scene, X, y, result, feature_names, target_name, log_loss, optimum, fps)
    loss = run.loss
    idx = _gif_frames(loss, max_frames)
    rng = np.random.default_rng(0)
    rows = (np.arange(len(run.X)) if len(run.X) <= GIF_MAX_POINTS
            else np.sort(rng.choice(len(run.X), GIF_MAX_POINTS, replace=False)))

    fig = Figure(figsize=(9.0, 3.6), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)  # local canvas: no pyplot, no global state (safe in a server thread)
    ax, ax_loss = fig.subplots(1, 2)
    draw_panel = _draw_fitted_line if run.X.shape[1] == 1 else _draw_predictions
    model_artist, draw_model = draw_panel(ax, run, rows, int(idx[0]))
    ax.set_ylim(*padded_range(float(run.y.min()), float(run.y.max())))
    ax.legend(loc="upper left", fontsize=8)
    marker = _draw_loss(ax_loss, run)
    heading = fig.suptitle("", fontsize=12)
    prefix = f"{title} · " if title else ""
    heading.set_text(f"{prefix}Epoch {len(loss) - 1}   loss 0.0000e+00")  # a widest text
    _freeze_background(fig, (ax, ax_loss), [model_artist, marker, heading])

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
