"""fit_gd against oracles: the notes' loop, least squares, the notes' gradient formula."""

import numpy as np
import pytest
import torch

from linreg_core import closed_form, fit_gd, gradient_check, loss_surface, r2, stable_lr
from linreg_core.data.datasets import diabetes, line, seed3, seed_example, standardize


def notes_loop(X, y, W0, lr, epochs):
    """The notes' loop written out plainly: the reference."""
    W = torch.tensor(W0, dtype=torch.float32).clone().requires_grad_(True)
    b = torch.zeros(y.shape[1], requires_grad=True)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    losses, Ws = [], [W.detach().clone()]
    for _ in range(epochs):
        loss = (Xt @ W + b - yt).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
            b -= lr * b.grad
            W.grad.zero_()
            b.grad.zero_()
        losses.append(loss.item())
        Ws.append(W.detach().clone())
    return np.array(losses), torch.stack(Ws).numpy()


def test_history_matches_the_notes_loop_entry_by_entry():
    d = seed_example()
    r = fit_gd(d.X, d.y, lr=0.1, epochs=100, init=(d.notes_init, 0.0), gradient="autograd")
    losses, Ws = notes_loop(d.X, d.y, d.notes_init, 0.1, 100)
    assert r.weights.shape == (101, 1, 1)
    assert r.bias.shape == (101, 1)
    assert r.loss.shape == (101,)
    # loss[k] is the loss of state k: the notes print it in epoch k+1's forward pass.
    np.testing.assert_array_equal(r.loss[:100], losses)
    np.testing.assert_array_equal(r.weights, Ws)
    assert f"{r.loss[0]:.4f}" == "19.7387"
    assert f"{r.loss[100]:.4f}" == "0.0084"
    # The last entry's loss agrees with its own weights.
    pred = d.X @ r.weights[-1] + r.bias[-1]
    assert r.loss[-1] == pytest.approx(np.mean((pred - d.y) ** 2), rel=1e-5)


@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (4, 3)])
def test_reaches_least_squares(shape):
    d_in, d_out = shape
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, d_in))
    y = X @ rng.standard_normal((d_in, d_out)) - 1.0 + 0.05 * rng.standard_normal((150, d_out))
    r = fit_gd(X, y, lr=0.1, epochs=1500, seed=2, dtype=torch.float64)
    opt = closed_form(X, y)
    np.testing.assert_allclose(r.final_weights, opt.weights, atol=1e-7)
    np.testing.assert_allclose(r.final_bias, opt.bias, atol=1e-7)
    assert r.weights.shape == (1501, d_in, d_out)


def test_autograd_gradient_equals_the_notes_formula():
    d = seed3()
    rng = np.random.default_rng(4)
    chk = gradient_check(d.X, d.y, rng.standard_normal((3, 1)), rng.standard_normal(1))
    assert chk.max_difference < 1e-12
    assert np.abs(chk.grad_w_formula).max() > 0.1  # a real gradient, not zeros


@pytest.mark.parametrize("optimizer", ["manual", "sgd", "adam"])
@pytest.mark.parametrize("batch_size", [None, 16, 1])
def test_each_optimizer_and_batch_mode_gets_close(optimizer, batch_size):
    d = seed3()
    lr = {"manual": 0.05, "sgd": 0.01, "adam": 0.05}[optimizer]
    if batch_size == 1:
        lr /= 5
    r = fit_gd(d.X, d.y, lr=lr, epochs=200, optimizer=optimizer, batch_size=batch_size, seed=1)
    opt = closed_form(d.X, d.y)
    assert not r.diverged
    assert r.final_loss < opt.loss * 3 + 1e-3
    np.testing.assert_allclose(r.final_weights[:, 0], opt.weights[:, 0], atol=0.1)


def test_minibatch_shuffling_is_seeded_and_local():
    d = seed3()
    a = fit_gd(d.X, d.y, lr=0.05, epochs=5, batch_size=8, seed=7)
    torch.manual_seed(123)  # the global generator must not matter
    b = fit_gd(d.X, d.y, lr=0.05, epochs=5, batch_size=8, seed=7)
    c = fit_gd(d.X, d.y, lr=0.05, epochs=5, batch_size=8, seed=8)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)


def test_init_modes():
    d = seed3()
    z = fit_gd(d.X, d.y, lr=0.1, epochs=1, init="zeros")
    assert np.all(z.weights[0] == 0)
    assert np.all(z.bias[0] == 0)
    e = fit_gd(d.X, d.y, lr=0.1, epochs=1, init=([1.0, 2.0, 3.0], 4.0))
    np.testing.assert_array_equal(e.weights[0][:, 0], [1, 2, 3])
    assert e.bias[0, 0] == 4.0
    r1 = fit_gd(d.X, d.y, lr=0.1, epochs=1, seed=5)
    r2_ = fit_gd(d.X, d.y, lr=0.1, epochs=1, seed=5)
    np.testing.assert_array_equal(r1.weights[0], r2_.weights[0])
    with pytest.raises(ValueError, match="shape"):
        fit_gd(d.X, d.y, lr=0.1, epochs=1, init=([1.0, 2.0], 0.0))


def test_divergence_is_reported_with_its_epoch():
    d = seed_example()
    bound = stable_lr(d.X)
    r = fit_gd(d.X, d.y, lr=bound * 1.5, epochs=500)
    assert r.diverged
    assert 0 < r.diverged_epoch < 500
    assert r.epochs_run <= r.diverged_epoch
    assert np.all(np.isfinite(r.loss))
    assert "1e+06" in r.divergence_cause or "NaN" in r.divergence_cause
    ok = fit_gd(d.X, d.y, lr=bound * 0.9, epochs=500)
    assert not ok.diverged


def test_overflow_becomes_divergence_not_nan():
    X = np.array([[1e18], [2e18], [3e18]])
    y = np.array([1.0, 2.0, 3.0])
    r = fit_gd(X, y, lr=0.1, epochs=10)
    assert r.diverged
    assert r.divergence_cause


def test_callback_can_stop_a_run():
    d = seed3()
    seen = []

    def cb(epoch, loss):
        seen.append(epoch)
        return epoch < 20

    r = fit_gd(d.X, d.y, lr=0.05, epochs=1000, on_epoch=cb, callback_every=10)
    assert r.stopped
    assert r.epochs_run == 20
    assert seen == [10, 20]
    assert np.all(np.isfinite(r.loss))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"lr": -1, "epochs": 5}, "lr"),
    ({"lr": float("nan"), "epochs": 5}, "lr"),
    ({"lr": 0.1, "epochs": 0}, "epochs"),
    ({"lr": 0.1, "epochs": 5, "optimizer": "rmsprop"}, "optimizer"),
    ({"lr": 0.1, "epochs": 5, "batch_size": 0}, "batch_size"),
    ({"lr": 0.1, "epochs": 5, "init": "ones"}, "init"),
])
def test_bad_arguments_raise_clear_errors(kwargs, match):
    d = seed3()
    with pytest.raises(ValueError, match=match):
        fit_gd(d.X, d.y, **kwargs)


def test_bad_data_raise_clear_errors():
    with pytest.raises(ValueError, match="rows"):
        fit_gd(np.ones((5, 1)), np.ones(4), lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        fit_gd(np.array([[1.0], [np.nan]]), np.ones(2), lr=0.1, epochs=1)


def test_analysis_helpers_against_oracles():
    d = seed3()
    opt = closed_form(d.X, d.y)
    np.testing.assert_allclose(opt.weights[:, 0], [1.99579429, -3.00505965, 1.00414443],
                               atol=1e-8)
    np.testing.assert_allclose(opt.bias, [0.48179536115176136], atol=1e-12)
    from sklearn.metrics import r2_score
    pred = d.X @ opt.weights + opt.bias
    assert r2(d.X, d.y, opt.weights, opt.bias) == pytest.approx(r2_score(d.y, pred))
    # 2/λmax: plain GD with η just below converges, just above diverges (checked above);
    # here λmax against the Hessian computed by autograd.
    Xt = torch.tensor(d.X)
    yt = torch.tensor(d.y)

    def loss_of(theta):
        return (Xt @ theta[:3].reshape(3, 1) + theta[3] - yt).pow(2).mean()

    H = torch.autograd.functional.hessian(loss_of, torch.zeros(4, dtype=torch.float64))
    lam = torch.linalg.eigvalsh(H)[-1].item()
    assert stable_lr(d.X) == pytest.approx(2 / lam)


def test_loss_surface_matches_direct_computation():
    d = line(n=30, seed=2)
    ws, bs, L = loss_surface(d.X, d.y, (0, 4), (-1, 5), n=7)
    i, j = 3, 5
    direct = np.mean((ws[j] * d.X[:, 0] + bs[i] - d.y[:, 0]) ** 2)
    assert L[i, j] == pytest.approx(direct)


def test_loss_levels_are_exact_level_sets():
    from linreg_core.engine.analysis import loss_levels, mse

    d = line(n=40, seed=3)
    for level, ws, bs in loss_levels(d.X, d.y, (0, 4), (1, 5), n_levels=5, n_points=9):
        for w, b in zip(ws, bs, strict=True):
            assert mse(d.X, d.y, np.array([[w]]), np.array([b])) == pytest.approx(level)


def test_datasets():
    s = seed_example()
    assert s.X.shape == (100, 1)
    assert s.y.shape == (100, 1)
    out = line(n=200, outliers=0.1, seed=1)
    base = line(n=200, outliers=0.0, seed=1)
    assert out.name == "outliers"
    assert np.sum(np.abs(out.y - base.y) > 1e-9) == 20
    dia = diabetes()
    assert dia.X.shape == (442, 10)
    assert diabetes("bmi").X.shape == (442, 1)
    with pytest.raises(ValueError, match="bmi"):
        diabetes("height")
    Xs, _mean, scale = standardize(np.array([[1.0, 5.0], [3.0, 5.0]]))
    assert np.all(np.isfinite(Xs))
    assert scale[1] == 1.0


@pytest.mark.parametrize("kwargs", [
    {}, {"optimizer": "sgd"}, {"optimizer": "adam"}, {"penalty": "l2", "alpha": 0.1},
    {"penalty": "l1", "alpha": 0.5}, {"penalty": "l1", "alpha": 0.5, "l1_mode": "subgradient"},
])
def test_gram_fast_path_equals_the_autograd_loop(kwargs):
    d = diabetes()
    X, _, _ = standardize(d.X)
    a = fit_gd(X, d.y, lr=0.05, epochs=300, gradient="autograd", **kwargs)
    g = fit_gd(X, d.y, lr=0.05, epochs=300, gradient="gram", **kwargs)
    scale = np.abs(a.weights).max()
    np.testing.assert_allclose(g.weights, a.weights, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(g.loss, a.loss, rtol=1e-5)


@pytest.mark.parametrize(("optimizer", "batch_size"), [("manual", 1), ("manual", 32), ("sgd", 7),
                                                   ("manual", None), ("sgd", 10_000)])
def test_formula_path_equals_the_autograd_loop(optimizer, batch_size):
    d = diabetes()
    X, _, _ = standardize(d.X)
    kw = dict(lr=0.02, epochs=12, optimizer=optimizer, batch_size=batch_size, seed=4)
    a = fit_gd(X, d.y, gradient="autograd", **kw)
    f = fit_gd(X, d.y, gradient="formula", **kw)
    assert f.epochs_run == a.epochs_run == 12
    scale = np.abs(a.weights).max()
    np.testing.assert_allclose(f.weights, a.weights, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(f.bias, a.bias, rtol=1e-5)
    np.testing.assert_allclose(f.loss, a.loss, rtol=1e-5)


def test_formula_path_stops_diverges_and_refuses_what_it_does_not_cover():
    d = seed_example()
    calls = []
    r = fit_gd(d.X, d.y, lr=0.05, epochs=50, batch_size=4, gradient="formula",
               on_epoch=lambda k, v: calls.append(k) or k < 20, callback_every=10)
    assert r.stopped
    assert r.epochs_run == 20
    assert calls == [10, 20]
    a = fit_gd(d.X, d.y, lr=3.0, epochs=50, batch_size=4, gradient="autograd")
    f = fit_gd(d.X, d.y, lr=3.0, epochs=50, batch_size=4, gradient="formula")
    assert f.diverged
    assert f.diverged_epoch == a.diverged_epoch
    for bad in ({"optimizer": "adam"}, {"penalty": "l2", "alpha": 0.1}):
        with pytest.raises(ValueError, match="autograd"):
            fit_gd(d.X, d.y, lr=0.1, epochs=1, batch_size=4, gradient="formula", **bad)


def test_gram_fast_path_reproduces_the_notes_numbers():
    d = seed_example()
    g = fit_gd(d.X, d.y, lr=0.1, epochs=100, init=(d.notes_init, 0.0), gradient="gram")
    assert f"{g.loss[0]:.4f}" == "19.7387"
    assert f"{g.loss[100]:.4f}" == "0.0084"
    with pytest.raises(ValueError, match="full batches"):
        fit_gd(d.X, d.y, lr=0.1, epochs=1, batch_size=10, gradient="gram")


def test_scene_cache_is_bounded_and_single_flight():
    import threading
    import time

    from linreg_core.cache import SceneCache

    cache = SceneCache(max_entries=2, ttl=60)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
               for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 5
    assert len(calls) == 1  # five sessions, one computation
    for key in "abc":
        cache.get_or_compute(key, lambda: 0)
    assert len(cache) == 2
    expired = SceneCache(ttl=0.0)
    expired.get_or_compute("x", lambda: 1)
    time.sleep(0.01)
    assert expired.get("x") == (False, None)


def test_a_failed_owner_lets_a_waiter_compute():
    import threading

    from linreg_core.cache import SceneCache

    cache = SceneCache()
    started = threading.Event()

    def failing():
        started.set()
        threading.Event().wait(0.2)
        raise KeyboardInterrupt  # e.g. the owner's session was superseded

    def owner():
        with pytest.raises(KeyboardInterrupt):
            cache.get_or_compute("k", failing)

    t = threading.Thread(target=owner)
    t.start()
    started.wait()
    assert cache.get_or_compute("k", lambda: "mine") == "mine"
    t.join()


@pytest.mark.parametrize(("changes", "gradient"), [
    ({}, "gram"), ({"optimizer": "adam"}, "gram"),
    ({"batch": "mini", "batch_size": 16}, "formula"), ({"batch": "single", "epochs": 3}, "formula"),
    ({"optimizer": "sgd", "batch": "mini"}, "formula"),
    ({"optimizer": "adam", "batch": "mini"}, "autograd"),
])
def test_page_scenes_take_the_fast_paths_and_agree_with_the_notes_loop(changes, gradient):
    from linreg_core.scenes.gd import build_gd_scene
    from linreg_core.settings import GDSettings

    s = GDSettings.from_mapping({**GDSettings().__dict__, "epochs": 30, **changes})
    page = build_gd_scene(s).result
    ref = build_gd_scene(s, reference=True).result
    assert page.settings["gradient"] == gradient
    assert ref.settings["gradient"] == "autograd"
    np.testing.assert_allclose(page.weights, ref.weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(page.loss, ref.loss, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "gram"), ({"optimizer": "sgd"}, "gram"), ({"optimizer": "adam"}, "gram"),
    ({"penalty": "l1", "alpha": 0.5}, "gram"), ({"batch_size": 10_000}, "gram"),
    ({"batch_size": 32}, "formula"), ({"batch_size": 1, "optimizer": "sgd"}, "formula"),
    ({"batch_size": 32, "optimizer": "adam"}, "autograd"),
    ({"batch_size": 32, "penalty": "l2", "alpha": 0.1}, "autograd"),
])
def test_auto_picks_what_it_says_with_the_autograd_iterates(kwargs, expected):
    from linreg_core.engine.training import resolve_gradient

    d = diabetes()
    X, _, _ = standardize(d.X)
    kw = dict(lr=0.02, epochs=12, seed=4, **kwargs)
    full = kwargs.get("batch_size") is None or kwargs["batch_size"] >= len(X)
    assert resolve_gradient("auto", optimizer=kw.get("optimizer", "manual"),
                            penalty=kw.get("penalty"), n=len(X), d_in=X.shape[1],
                            full_batch=full) == expected
    auto = fit_gd(X, d.y, **kw)
    ref = fit_gd(X, d.y, gradient="autograd", **kw)
    assert auto.settings["gradient"] == expected
    assert ref.settings["gradient"] == "autograd"
    assert fit_gd(X, d.y, **kw).settings == auto.settings  # "auto" is the default
    # the tolerance of the gram and formula tests above
    scale = np.abs(ref.weights).max()
    np.testing.assert_allclose(auto.weights, ref.weights, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(auto.bias, ref.bias, rtol=1e-5)
    np.testing.assert_allclose(auto.loss, ref.loss, rtol=1e-5)


def test_auto_takes_autograd_when_the_gram_is_larger_than_the_data():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 8)), rng.standard_normal(5)
    assert fit_gd(X, y, lr=0.01, epochs=3).settings["gradient"] == "autograd"
    with pytest.raises(ValueError, match="gradient must be one of"):
        fit_gd(X, y, lr=0.01, epochs=3, gradient="magic")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [None, 7])
def test_autograd_path_equals_torch_optim_bit_for_bit(optimizer, batch_size):
    """The shared steppers against torch.optim itself, on the notes' autograd loop."""
    d = diabetes()
    X, _, _ = standardize(d.X)
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(d.y, dtype=torch.float32)
    gen = torch.Generator().manual_seed(5)
    W = torch.randn(10, 1, generator=gen).requires_grad_(True)
    b = torch.zeros(1, requires_grad=True)
    opt = (torch.optim.SGD([W, b], lr=0.01, momentum=0.8) if optimizer == "sgd"
           else torch.optim.Adam([W, b], lr=0.01))
    Ws = [W.detach().clone()]
    for _ in range(15):
        batches = [(Xt, yt)]
        if batch_size is not None:
            order = torch.randperm(len(Xt), generator=gen)
            Xp, yp = Xt[order], yt[order]
            batches = [(Xp[s:s + batch_size], yp[s:s + batch_size])
                       for s in range(0, len(Xp), batch_size)]
        for Xb, yb in batches:
            (Xb @ W + b - yb).pow(2).mean().backward()
            opt.step()
            opt.zero_grad()
        Ws.append(W.detach().clone())
    r = fit_gd(X, d.y, lr=0.01, epochs=15, optimizer=optimizer, momentum=0.8, seed=5,
               batch_size=batch_size, gradient="autograd")
    np.testing.assert_array_equal(r.weights, torch.stack(Ws).numpy())


def test_gram_statistics_against_the_direct_products():
    from linreg_core.engine.gram import gram_loss, gram_matrix, gram_stats

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3000, 6)), rng.standard_normal((3000, 2))
    A = np.hstack([X, np.ones((3000, 1))])
    for Xd, yd in ((X, y), (X.astype(np.float32), y.astype(np.float32))):
        A64 = np.hstack([Xd, np.ones((3000, 1))]).astype(np.float64)
        gs = gram_stats(Xd, yd)
        np.testing.assert_allclose(gs.G, A64.T @ A64 / 3000, rtol=0, atol=1e-13)
        np.testing.assert_allclose(gs.c, A64.T @ yd.astype(np.float64) / 3000, atol=1e-13)
        np.testing.assert_array_equal(gs.G, gs.G.T)
    theta = rng.standard_normal((7, 2))
    mse, r = gram_loss(gram_stats(X, y), theta)
    assert mse == pytest.approx(np.mean((A @ theta - y) ** 2), rel=1e-12)
    np.testing.assert_allclose(r, A.T @ (A @ theta - y) / 3000, atol=1e-12)
    two = gram_matrix(X, threads=2)
    np.testing.assert_allclose(two, X.T @ X, rtol=0, atol=1e-12 * np.abs(two).max())
