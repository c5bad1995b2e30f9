"""The pages under Streamlit's AppTest: no exception, and widgets change what is drawn."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.app
TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def _spec(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert charts, "no chart drawn"
    return json.loads(charts[0].proto.spec)


def test_gradient_descent_page_runs_on_the_notes_example():
    at = _app()
    spec = _spec(at)
    assert len(spec["frames"]) == 101
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "2/λmax = 0.9342" in text
    assert not at.error


def test_learning_rate_and_epochs_change_the_frames():
    at = _app()
    before = _spec(at)
    at.number_input(key="gd_lr").set_value(0.02).run()
    assert not at.exception
    after_lr = _spec(at)
    assert after_lr["frames"][10]["data"][1] != before["frames"][10]["data"][1]
    assert at.select_slider(key="gd_lr_slider").value == 0.02
    at.slider(key="gd_epochs").set_value(400).run()
    assert not at.exception
    after_epochs = _spec(at)
    assert after_epochs["frames"][-1]["name"] == "400"
    assert len(after_epochs["frames"]) != len(after_lr["frames"])


def test_log_slider_sets_the_exact_learning_rate():
    at = _app()
    at.select_slider(key="gd_lr_slider").set_value(0.5).run()
    assert at.number_input(key="gd_lr").value == 0.5


def test_divergence_banner():
    at = _app()
    at.number_input(key="gd_lr").set_value(2.0).run()
    assert not at.exception
    assert at.error, "no divergence banner"
    assert "diverged at epoch" in at.error[0].value
    assert "0.9342" in at.error[0].value
    assert at.get("plotly_chart")  # the charts are still drawn


@pytest.mark.parametrize(("dataset", "extra"), [
    ("line", {}), ("outliers", {}), ("seed3", {}), ("diabetes", {"gd_feature": "all"}),
    ("diabetes", {"gd_feature": "s5"}),
])
def test_every_dataset_draws(dataset, extra):
    at = _app()
    at.selectbox(key="gd_dataset").set_value(dataset).run()
    for key, value in extra.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception
    assert _spec(at)["frames"]


@pytest.mark.parametrize(("optimizer", "batch"), [("sgd", "mini"), ("adam", "single")])
def test_optimizers_and_batches(optimizer, batch):
    at = _app()
    at.selectbox(key="gd_optimizer").set_value(optimizer).run()
    at.radio(key="gd_batch").set_value(batch).run()
    assert not at.exception
    assert _spec(at)["frames"]


def test_chosen_init_and_show_the_math_step():
    at = _app()
    at.radio(key="gd_init").set_value("chosen").run()
    at.number_input(key="gd_w0").set_value(-2.0).run()
    assert not at.exception
    spec = _spec(at)
    first = spec["frames"][0]["data"][2]
    assert first["x"][-1] == -2.0
    at.button(key="gd_next").click().run()
    assert at.slider(key="gd_inspect").value == 1
    assert not at.table, "a closed 'Show the math' is drawn (it should cost nothing)"
    at.session_state["gd_math_open"] = True  # what opening the expander does
    at.run()
    tables = at.table
    assert tables, "Show the math has no gradient table"


def test_stepping_through_epochs_draws_without_training(monkeypatch):
    """The inspected epoch is not part of the scene: Step ▶ / ◀ Step rebuild the figure only."""
    import views.gradient_descent as page

    trained = []
    real = page.build_gd_scene
    monkeypatch.setattr(page, "build_gd_scene",
                        lambda s, **kw: trained.append(s) or real(s, **kw))
    at = _app()
    trained.clear()
    at.number_input(key="gd_lr").set_value(0.0731).run()  # a scene no other test trained
    assert len(trained) == 1
    for key, epoch in (("gd_next", 1), ("gd_next", 2), ("gd_prev", 1)):
        at.button(key=key).click().run()
        assert not at.exception
        assert at.slider(key="gd_inspect").value == epoch
    assert len(trained) == 1, "stepping retrained the scene"
    frames = _spec(at)["frames"]
    assert _spec(at)["layout"]["sliders"][0]["active"] == [f["name"] for f in frames].index("1")


@pytest.mark.parametrize(("query", "last"), [({"at": "101"}, 100),
                                             ({"lr": "5", "at": "80"}, 4)])
def test_an_epoch_past_the_run_opens_at_its_last(query, last):
    """?at= beyond the run (a longer run's link, or one that now diverges) is no traceback."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert at.slider(key="gd_inspect").value == last
    assert _spec(at)["frames"]


def test_too_much_work_is_capped_with_a_notice():
    at = _app()
    at.selectbox(key="gd_dataset").set_value("diabetes").run()
    at.radio(key="gd_batch").set_value("single").run()
    at.slider(key="gd_epochs").set_value(5000).run()
    assert not at.exception
    assert any("updates" in w.value for w in at.warning)


def _reg_app() -> AppTest:
    at = _app()
    at.switch_page("pages/regularization.py").run()
    assert not at.exception, at.exception
    return at


def test_regularization_page_runs_and_the_alpha_slider_moves_every_marker():
    at = _reg_app()
    charts = at.get("plotly_chart")
    assert len(charts) >= 3
    sweep = json.loads(charts[0].proto.spec)
    assert len(sweep["frames"]) == 80
    before = sweep["layout"]["sliders"][0]["active"]
    at.select_slider(key="rp_alpha_i").set_value(10).run()
    assert not at.exception
    after = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert after["layout"]["sliders"][0]["active"] == 10 != before
    text = " ".join(c.value for c in at.caption)
    assert "Ridge(alpha=" in text
    assert "Lasso(alpha=" in text


@pytest.mark.parametrize("dataset", ["correlated", "sparse", "polynomial"])
def test_regularization_datasets(dataset):
    at = _reg_app()
    at.selectbox(key="rp_dataset").set_value(dataset).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 3
    assert at.table


def test_regularization_single_model_view_and_geometry_pair():
    at = _reg_app()
    at.radio(key="rp_model").set_value("lasso").run()
    assert not at.exception
    sweep = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert sum(1 for t in sweep["data"] if t["type"] == "bar") == 1
    at.selectbox(key="rp_geo_x").set_value("bp").run()
    assert not at.exception


def test_regularization_gd_overlay():
    at = _reg_app()
    at.toggle(key="rp_gd").set_value(True).run()
    assert not at.exception
    sweep = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t.get("name") == "gradient descent" for t in sweep["data"])


def test_a_link_restores_the_scene():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lr": "0.05", "epochs": "250", "optimizer": "adam",
                            "dataset": "line", "n": "300", "noise": "2.5", "seed": "7",
                            "batch": "mini", "batch_size": "32", "init": "zeros"})
    at.run()
    assert not at.exception
    assert at.number_input(key="gd_lr").value == 0.05
    assert at.slider(key="gd_epochs").value == 250
    assert at.selectbox(key="gd_optimizer").value == "adam"
    assert at.slider(key="gd_n").value == 300
    assert at.number_input(key="gd_seed").value == 7
    spec = _spec(at)
    assert spec["frames"][-1]["name"] == "250"
    assert not at.warning


def test_a_link_with_nonsense_values_gets_a_notice_not_an_exception():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lr": "banana", "epochs": "999999", "optimizer": "rmsprop",
                            "<script>": "1", "seed": "-5"})
    at.run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "lr=banana" in text
    assert "above the maximum 5000" in text
    assert "rmsprop" in text
    assert "not a setting of this page" in text
    assert "<script>" not in text  # shown escaped, as text
    assert at.slider(key="gd_epochs").value == 5000  # clamped
    assert at.number_input(key="gd_lr").value == 0.1  # ignored: the default


def test_lock_disables_the_named_controls():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lock": "lr,epochs", "lr": "0.2"})
    at.run()
    assert not at.exception
    assert at.number_input(key="gd_lr").disabled
    assert at.slider(key="gd_epochs").disabled
    assert not at.selectbox(key="gd_optimizer").disabled


def test_regularization_link_restores_model_alpha_and_dataset():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/regularization.py")
    at.query_params.update({"dataset": "correlated", "model": "ridge", "alpha": "0.5",
                            "seed": "3", "l1_ratio": "7"})
    at.run()
    assert not at.exception
    assert at.selectbox(key="rp_dataset").value == "correlated"
    assert at.radio(key="rp_model").value == "ridge"
    assert at.number_input(key="rp_seed").value == 3
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    i = spec["layout"]["sliders"][0]["active"]
    alpha = float(spec["layout"]["sliders"][0]["steps"][i]["label"])
    assert 0.35 < alpha < 0.7  # the grid value nearest 0.5
    assert any("l1_ratio=7" in w.value.replace("\\", "") for w in at.warning)


def test_classroom_page_runs():
    at = _app()
    at.switch_page("pages/classroom.py").run()
    assert not at.exception
    assert len(at.get("imgs") or at.get("image")) >= 1 or at.code


@pytest.mark.parametrize("index", range(6))
def test_every_lesson_scene_opens_cleanly(index):
    from linreg_core.lessons import LESSONS

    lesson = LESSONS[index]
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if lesson.page != "pages/gradient_descent.py":  # a link is read on a page's first run
        at.run()
        at.switch_page(lesson.page)
    at.query_params.update(lesson.params)
    at.run()
    assert not at.exception
    assert not at.warning or all("link" not in w.value for w in at.warning)
    if index == 0:  # a learning rate too large
        assert at.error
        assert "diverged" in at.error[0].value


def test_moving_between_pages_keeps_dataset_and_seed():
    at = _app()
    at.selectbox(key="gd_dataset").set_value("line").run()
    at.number_input(key="gd_seed").set_value(11).run()
    at.switch_page("pages/lr_lab.py").run()
    assert not at.exception
    assert at.selectbox(key="lab_dataset").value == "line"
    assert at.number_input(key="lab_seed").value == 11
    at.switch_page("pages/regularization.py").run()  # no "line" data there: its default
    assert at.selectbox(key="rp_dataset").value == "diabetes"
    assert not at.exception
