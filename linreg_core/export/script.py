"""The replaying Python script: regenerates a run's data and replays the run, standalone."""

from __future__ import annotations

from dataclasses import dataclass

from linreg_core.engine.training import DIVERGENCE_FACTOR
from linreg_core.settings import (
    BATCH_LABELS,
    DATASET_LABELS,
    OPTIMIZER_LABELS,
    GDSettings,
)


def _f(value: float) -> str:
    """A float literal that reads back to exactly the same number."""
    return repr(float(value))


def _data_code(s: GDSettings) -> tuple[list[str], bool]:
    """Lines that leave ``X`` and ``y`` as float32 tensors; True if they use scikit-learn.

    The calls are ``data/datasets.py``'s, in the same order, so the numbers are identical.
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


@dataclass(frozen=True)
class _Replay:
    """The run a script replays: its settings, the data's shape, and what follows from them."""

    s: GDSettings
    n: int  # rows
    d: int  # features
    batch_size: int | None  # None: full batches
    uses_sklearn: bool  # the data comes from scikit-learn

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or self.batch_size >= self.n

    @property
    def notes_draw(self) -> bool:
        """The notes' initial weight: the ``randn`` right after the notes' data."""
        from linreg_core.data import registry

        s = self.s  # the registry's rule, as the scene's registry.notes_start applies it
        return (s.init == "random" and not s.standardize
                and s.dataset != "csv" and registry.get(s.dataset).notes_draw)

    @property
    def random_init(self) -> bool:
        """A random initial weight from the script's own generator."""
        return self.s.init == "random" and not self.notes_draw

    @property
    def numpy_data(self) -> bool:
        """The data is made in NumPy, then turned into tensors."""
        return not (self.s.dataset == "seed" and not self.s.standardize)


def _check_choices(s: GDSettings) -> None:
    if s.optimizer not in OPTIMIZER_LABELS:
        raise ValueError(f"unknown optimizer {s.optimizer!r}")
    if s.batch not in BATCH_LABELS:
        raise ValueError(f"unknown batch mode {s.batch!r}")
    if s.init not in ("random", "zeros", "chosen"):
        raise ValueError(f"unknown init {s.init!r}")


def _script_header(r: _Replay, expected_final_loss: float | None, gram: bool) -> list[str]:
    """The script's docstring (what it replays, what it needs) and its imports."""
    out: list[str] = ['"""Reproduce one run of the Linear Regression Playground, standalone.', ""]
    out += _describe(r.s, r.n, r.d)
    out += ["", "Needs torch and numpy" + (" (and scikit-learn for the data)" if r.uses_sklearn
                                           else "") + ". Prints the loss as the run goes and",
            "ends with the full-data mean squared error of the final W and b."]
    if expected_final_loss is not None:
        out += [f"The playground's run ended at: Final loss: {expected_final_loss:.4f}"]
    if gram:
        out += ["(The playground took this run's gradients from AᵀA in float64; autograd here",
                "agrees to about 1e-7.)"]
    out += ['"""', "", "import math", ""]
    out += ["import numpy as np"] if r.numpy_data else []
    out += ["import torch", "", ""]
    return out


def _data_section(r: _Replay, data_lines: list[str]) -> list[str]:
    """The data, standardized if asked, as float32 tensors ``X`` and ``y``."""
    s = r.s
    out = ["# ---------------------------------------------------------------- the data"]
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
    if r.numpy_data:
        out += ["# float32 tensors, as the playground trains on"]
        out += ["X = torch.as_tensor(X_np, dtype=torch.float32)"]
        if s.dataset != "seed":
            out += ["y = torch.as_tensor(y_np, dtype=torch.float32)"]
        out += [""]
    out += [f"n, D = X.shape  # {r.n} rows, {r.d} feature{'s' * (r.d != 1)}", ""]
    return out


def _init_section(r: _Replay) -> list[str]:
    """The initial W and b, as the scene draws them, with autograd on."""
    s = r.s
    out = ["# ------------------------------------------------ initialize W and b (ŷ = XW + b)"]
    if r.random_init or not r.full_batch:
        out += [f"gen = torch.Generator().manual_seed({int(s.seed)})"
                "  # one generator: the initial W, then the shuffling"]
    if r.notes_draw:
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
    return out


def _training_setup(r: _Replay) -> list[str]:
    """The hyperparameters, the optimizer, the model, the loss and the divergence test."""
    s = r.s
    out = ["# ------------------------------------------------------------------ training",
           f"lr = {_f(s.lr)}", f"epochs = {int(s.epochs)}"]
    if not r.full_batch:
        out += [f"batch_size = {r.batch_size}"]
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
    return out


def _step_lines(optimizer: str) -> list[str]:
    """One update of W and b from their gradients, then the gradients zeroed."""
    if optimizer == "manual":
        return [
            "# Update weights: the notes' step, inside torch.no_grad()",
            "with torch.no_grad():",
            "    W -= lr * W.grad",
            "    b -= lr * b.grad",
            "",
            "    # Zero the gradients after updating",
            "    W.grad.zero_()",
            "    b.grad.zero_()",
        ]
    return ["optimizer.step()", "optimizer.zero_grad()"]


def _indent(block: list[str], level: int) -> list[str]:
    return [("    " * level + line) if line else "" for line in block]


def _loop_lines(r: _Replay) -> list[str]:
    """The notes' training loop: over full batches, or over shuffled batches per epoch."""
    step = _step_lines(r.s.optimizer)
    if r.full_batch:
        return [
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
            *_indent(step, 1),
            "",
            "    if (epoch + 1) % 10 == 0 or epoch == 0:",
            "        print(f\"Epoch {epoch + 1}/{epochs}, Loss: {loss.item():.4f}\")",
        ]
    return [
        "for epoch in range(epochs):",
        "    order = torch.randperm(n, generator=gen)  # a new shuffle every epoch",
        "    for start in range(0, n, batch_size):",
        "        idx = order[start:start + batch_size]",
        "        # Forward pass and loss on the batch, then the backward pass",
        "        loss = mse_loss(forward(X[idx]), y[idx])",
        "        loss.backward()",
        *_indent(step, 2),
        "",
        "    with torch.no_grad():  # the full-data loss after the epoch",
        "        epoch_loss = mse_loss(forward(X), y).item()",
        "    if diverged(epoch_loss):",
        "        print(f\"Diverged at epoch {epoch + 1}: loss {epoch_loss:.4g}\")",
        "        break",
        "    if (epoch + 1) % 10 == 0 or epoch == 0:",
        "        print(f\"Epoch {epoch + 1}/{epochs}, Loss: {epoch_loss:.4f}\")",
    ]


_FINAL_LINES = [
    "",
    "# The full-data MSE of the final W and b",
    "with torch.no_grad():",
    "    final_loss = mse_loss(forward(X), y).item()",
    "print(f\"Final W: {W.detach().view(-1).tolist()}, b: {b.item()}\")",
    "print(f\"Final loss: {final_loss:.4f}\")",
    "",
]


def python_snippet(settings: GDSettings, expected_final_loss: float | None = None) -> str:
    """A standalone script that regenerates the data and replays the run of ``settings``.

    It makes the same generator calls as ``data/datasets.py`` (standardizing if asked), the
    same initial draw as the scene (the notes' ``randn`` after the data for the notes' example
    with a random init and raw features; otherwise ``torch.Generator().manual_seed(seed)``
    then ``torch.randn(D, 1)``; zeros; or the chosen ``w0``/``b0``), the same optimizer, and
    the same batches (``torch.randperm`` from the generator that drew the initial weights), in
    float32, and prints ``Final loss: {loss:.4f}``, the full-data MSE of the final state, which
    equals ``fit_gd(...).loss[-1]`` (divergence stops the run at the same epoch).
    """
    from linreg_core.scenes.gd import batch_size_of, load_dataset, scene_gradient

    s = settings
    _check_choices(s)
    data_lines, uses_sklearn = _data_code(s)
    ds = load_dataset(s)  # validates the settings and gives the shape the script will see
    n, d = ds.n_samples, ds.n_features
    r = _Replay(s=s, n=n, d=d, uses_sklearn=uses_sklearn,
                batch_size=batch_size_of(s))
    out = _script_header(r, expected_final_loss, scene_gradient(s, n, d) == "gram")
    out += _data_section(r, data_lines)
    out += _init_section(r)
    out += _training_setup(r)
    out += _loop_lines(r)
    out += _FINAL_LINES
    return "\n".join(out)
