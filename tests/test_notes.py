"""The notes' own example, run as written, prints the notes' numbers (class and command line)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from linreg_core import LinearRegression

ROOT = Path(__file__).resolve().parents[1]
NOTES_LINES = """\
Epoch 1/100, Loss: 19.7387
Epoch 10/100, Loss: 0.2763
Epoch 20/100, Loss: 0.0107
Epoch 30/100, Loss: 0.0084
Epoch 40/100, Loss: 0.0084
Epoch 50/100, Loss: 0.0084
Epoch 60/100, Loss: 0.0084
Epoch 70/100, Loss: 0.0084
Epoch 80/100, Loss: 0.0084
Epoch 90/100, Loss: 0.0084
Epoch 100/100, Loss: 0.0084
Prediction for x=4.0: 10.9684
"""

# The notes' example cells verbatim, with the class definition replaced by the import.
NOTES_EXAMPLE = '''
import torch
from linreg_core import LinearRegression

# Sythetic data： y = 2 * x + 3
torch.manual_seed(0)
x_train = torch.randn(100, 1)
y_train = 2 * x_train + 3 + 0.1 * torch.randn(100, 1)  # Adding some noise

model = LinearRegression(input_dim=1, output_dim=1, lr=0.1)
model.train(x_train, y_train, epochs=100)

# test the model
x_test = torch.tensor([[4.0]])
y_pred = model.predict(x_test)
print(f"Prediction for x=4.0: {y_pred.item():.4f}")
'''


def _run(args, **kw):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, **kw)


def test_notes_example_runs_as_written_and_prints_the_notes_lines():
    out = _run(["-c", NOTES_EXAMPLE])
    assert out.returncode == 0, out.stderr
    assert out.stdout == NOTES_LINES


def test_command_line_prints_exactly_the_notes_lines():
    out = _run(["-m", "linreg_core", "train", "--dataset", "seed", "--lr", "0.1",
                "--epochs", "100", "--predict", "4.0"])
    assert out.returncode == 0, out.stderr
    assert out.stdout == NOTES_LINES
    assert out.stderr == ""


def test_learning_rate_keyword_and_lr_alias_agree():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a = LinearRegression(2, 1, learning_rate=0.05, generator=g1)
    b = LinearRegression(2, 1, lr=0.05, generator=g2)
    assert a.lr == b.lr == 0.05
    assert torch.equal(a.weights, b.weights)


@pytest.mark.parametrize(("d_in", "d_out"), [(1, 1), (3, 2), (5, 4)])
def test_shapes_and_convergence_to_least_squares(d_in, d_out, capsys):
    g = torch.Generator().manual_seed(1)
    X = torch.randn(200, d_in, generator=g)
    W_true = torch.randn(d_in, d_out, generator=g)
    y = X @ W_true + 0.5 + 0.01 * torch.randn(200, d_out, generator=g)
    model = LinearRegression(d_in, d_out, learning_rate=0.1, generator=g)
    assert model.weights.shape == (d_in, d_out)
    assert model.bias.shape == (d_out,)
    model.train(X, y, epochs=500)
    capsys.readouterr()
    A = np.hstack([X.numpy().astype(float), np.ones((200, 1))])
    theta = np.linalg.lstsq(A, y.numpy().astype(float), rcond=None)[0]
    np.testing.assert_allclose(model.weights.detach().numpy(), theta[:-1], atol=1e-4)
    np.testing.assert_allclose(model.bias.detach().numpy(), theta[-1], atol=1e-4)
    assert model.predict(X).shape == (200, d_out)
    assert not model.predict(X).requires_grad


def test_step_zeroes_the_gradients():
    model = LinearRegression(2, 1, generator=torch.Generator().manual_seed(0))
    X, y = torch.ones(4, 2), torch.zeros(4, 1)
    model.mse_loss(model.forward(X), y).backward()
    before = model.weights.detach().clone()
    grad = model.weights.grad.clone()
    model.step()
    torch.testing.assert_close(model.weights.detach(), before - model.lr * grad)
    assert torch.count_nonzero(model.weights.grad) == 0
    assert torch.count_nonzero(model.bias.grad) == 0
