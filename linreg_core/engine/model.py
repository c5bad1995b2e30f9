"""The notes' ``LinearRegression`` class, kept as the notes write it.

``ŷ = XW + b`` with ``W`` of shape ``(D_in, D_out)`` and ``b`` of shape ``(D_out,)``,
trained on the mean squared error ``L = mean((ŷ - y)²)`` by gradient descent: the forward
pass and the loss run with autograd on, ``loss.backward()`` fills ``.grad``, and the update
runs inside ``torch.no_grad()`` followed by zeroing the gradients.

Two slips of the notes are mended so that their example runs as written: the example passes
``lr=0.1`` to a constructor whose parameter is ``learning_rate`` (both names are accepted), and
it calls ``predict``, which the notes never define (it is the forward pass without autograd).

Called as the notes call it, the class draws its initial weights from torch's *global*
generator, because that is how the notes' printed numbers come about. Everything the app runs
goes through :func:`linreg_core.fit_gd`, which uses a local ``torch.Generator`` instead.
"""

from __future__ import annotations

import torch


class LinearRegression:
    """Linear regression ``ŷ = XW + b`` trained by the notes' gradient-descent step.

    Parameters
    ----------
    input_dim, output_dim : int
        ``D_in`` and ``D_out``; ``W`` is ``(D_in, D_out)`` and ``b`` is ``(D_out,)``.
    learning_rate : float, default 0.01
        The step size η of ``W := W - η ∂L/∂W``. ``lr`` is accepted as an alias.
    generator : torch.Generator, optional
        Where the initial weights are drawn from. ``None`` (the notes' way) uses torch's
        global generator.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        learning_rate: float = 0.01,
        *,
        lr: float | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        if lr is not None:
            learning_rate = lr
        if int(input_dim) < 1 or int(output_dim) < 1:
            raise ValueError(
                f"input_dim and output_dim must be at least 1, got {input_dim} and {output_dim}"
            )
        # Initialize W and b, set requires_grad=True for autograd
        self.weights = torch.randn(int(input_dim), int(output_dim), generator=generator)
        self.weights.requires_grad_(True)
        self.bias = torch.zeros(int(output_dim), requires_grad=True)
        self.lr = float(learning_rate)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X @ self.weights + self.bias  # X (N, D_in) @ W (D_in, D_out) + b (D_out,)

    def mse_loss(self, predictions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return (predictions - targets).pow(2).mean()  # Mean Squared Error loss

    def step(self) -> None:
        """The notes' update: inside ``torch.no_grad()``, then zero the gradients."""
        with torch.no_grad():
            self.weights -= self.lr * self.weights.grad
            self.bias -= self.lr * self.bias.grad

            # Zero the gradients after updating
            self.weights.grad.zero_()
            self.bias.grad.zero_()

    def train(self, X: torch.Tensor, y: torch.Tensor, epochs: int = 100) -> list[float]:
        """Full-batch gradient descent; prints ``Epoch k/E, Loss: x`` at epoch 1 and every 10th.

        The printed loss is the one computed in epoch k's forward pass, before its update.
        Returns those losses, one per epoch.
        """
        losses = []
        for epoch in range(epochs):
            y_pred = self.forward(X)
            loss = self.mse_loss(y_pred, y)
            loss.backward()
            self.step()
            losses.append(loss.item())
            if (epoch + 1) % 10 == 0 or epoch == 0:
                print(f"Epoch {epoch + 1}/{epochs}, Loss: {loss.item():.4f}")
        return losses

    def predict(self, X: torch.Tensor) -> torch.Tensor:
        """``XW + b`` without building an autograd graph."""
        with torch.no_grad():
            return self.forward(X)
