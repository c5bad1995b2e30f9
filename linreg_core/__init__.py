"""Linear Regression Playground engine: plain arrays in, plain data out (no Streamlit)."""

from linreg_core.engine.analysis import (
    closed_form,
    epochs_to_within,
    gradient_check,
    hessian_max_eig,
    loss_surface,
    r2,
    stable_lr,
)
from linreg_core.engine.model import LinearRegression
from linreg_core.engine.paths import coefficient_paths, cross_validate_path, sklearn_equivalent
from linreg_core.engine.training import GDResult, fit_gd

__all__ = [
    "GDResult",
    "LinearRegression",
    "closed_form",
    "coefficient_paths",
    "cross_validate_path",
    "epochs_to_within",
    "fit_gd",
    "gradient_check",
    "hessian_max_eig",
    "loss_surface",
    "r2",
    "sklearn_equivalent",
    "stable_lr",
]


def __getattr__(name: str):  # lazy: scikit-learn is only imported when asked for
    if name == "GDRegressor":
        from linreg_core.engine.estimator import GDRegressor

        return GDRegressor
    raise AttributeError(f"module 'linreg_core' has no attribute {name!r}")
