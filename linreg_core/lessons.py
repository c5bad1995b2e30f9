"""Ready-made scenes for typical lessons: each is a page and its query parameters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    title: str
    page: str  # the page file
    url_path: str  # "" for the default page
    params: dict
    ask: str  # what to ask the class
    see: str  # what they will see


LESSONS = [
    Lesson("A learning rate too large", "pages/gradient_descent.py", "",
           {"lr": "1.1", "epochs": "60"},
           "The stability bound here is 2/λmax ≈ 0.934. What happens at η = 1.1?",
           "Each step overshoots the minimum by more than the last: the line flips from side "
           "to side, the loss climbs, and the run is stopped as diverged. Try 0.9 (zig-zag, "
           "then converges) and 0.5."),
    Lesson("Unscaled features zig-zag", "pages/gradient_descent.py", "",
           {"dataset": "line", "x_min": "5.0", "x_max": "15.0", "noise": "1.0", "lr": "0.009",
            "epochs": "400"},
           "x lies between 5 and 15. Why does the path on the loss surface zig-zag and crawl?",
           "The loss surface is a long, thin valley (w and b are strongly coupled); the step "
           "that is stable across it is tiny along it. Switch on Standardize features: the "
           "valley becomes round and η = 0.5 converges in a few epochs."),
    Lesson("L1 zeros against L2 shrinkage", "pages/regularization.py", "regularization",
           {"dataset": "sparse", "alpha": "0.3"},
           "30 features, 4 of which matter. Which coefficients does each penalty keep?",
           "Lasso sets most coefficients exactly to 0 and keeps the informative ones; Ridge "
           "keeps all 30, only smaller. The geometry panel shows why: the diamond's corners."),
    Lesson("Correlated features: L1 picks, L2 shares", "pages/regularization.py",
           "regularization", {"dataset": "correlated", "alpha": "0.1"},
           "Three groups of almost identical columns. How does each penalty split the weight?",
           "Lasso keeps one or two columns per group; Ridge spreads the weight evenly across "
           "each group. The table under the charts shows the numbers."),
    Lesson("An overfitting polynomial tamed by Ridge", "pages/regularization.py",
           "regularization", {"dataset": "polynomial", "degree": "12", "model": "ridge",
                              "alpha": "0.001"},
           "A degree-12 polynomial through 30 noisy points: what does least squares draw?",
           "The dotted least-squares curve chases the noise; Ridge's curve is smooth. Sweep α: "
           "too little and it wiggles, too much and it flattens; cross-validation marks the "
           "best α."),
    Lesson("Mini-batch noise", "pages/gradient_descent.py", "",
           {"dataset": "line", "n": "500", "batch": "mini", "batch_size": "8", "lr": "0.05",
            "epochs": "40"},
           "Each update sees 8 of 500 points. Why is the loss curve jagged?",
           "Every mini-batch points in a slightly different direction: the path jitters around "
           "the minimum instead of settling. Compare Full batch, and a batch size of 64."),
]
