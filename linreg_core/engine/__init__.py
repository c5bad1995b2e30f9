"""The engine: the notes' model, gradient-descent training, analysis, coefficient paths,
the learning-rate lab and the scikit-learn estimator.

Gradient descent is one training core (``core``: the History recorder and the two loops) over
a gradient source (``sources``: autograd, Gram statistics, the notes' formula) and a stepper
(``steppers``: the notes' step, SGD with momentum, Adam, the proximal L1 step); ``gram`` holds
the one Gram computation (syrk) that training and the paths share."""
