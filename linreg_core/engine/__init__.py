"""The engine: the notes' model, gradient-descent training, analysis, coefficient paths,
the learning-rate lab and the scikit-learn estimator."""
