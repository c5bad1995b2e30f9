"""Real-browser tests: Debian's Chromium driven by Playwright against the running app."""

import re

import pytest

from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def _current_epoch(page) -> int:
    # Plotly draws the slider's current value as the first label: "Epoch k".
    text = page.locator(".js-plotly-plot .slider-group text.slider-label").first.text_content()
    match = re.fullmatch(r"Epoch (\d+)", text.strip())
    assert match, text
    return int(match.group(1))


def _button(page, label):
    # Plotly listens on the button group, not on its text.
    return page.locator(".js-plotly-plot .updatemenu-button", has_text=label).first


def _open(page, url):
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .slider-group", timeout=90_000)
    page.wait_for_timeout(500)


def test_app_opens_and_play_advances_the_epoch(page, app_url):
    _open(page, app_url)
    page.screenshot(path=str(SCREENSHOTS / "gd_before_play.png"))
    assert _current_epoch(page) == 0
    fills = page.locator(".js-plotly-plot .scatterlayer path.js-fill")
    n_fills = fills.count()
    assert n_fills >= 8  # the loss-surface levels
    _button(page, "Play").click()
    page.wait_for_timeout(1500)
    mid = _current_epoch(page)
    assert mid > 0
    page.wait_for_timeout(4000)
    assert _current_epoch(page) >= mid
    page.screenshot(path=str(SCREENSHOTS / "gd_after_play.png"))
    assert fills.count() == n_fills  # the static background survived the animation
    assert page.locator("[data-testid='stException']").count() == 0


def test_pause_stops_the_animation(page, app_url):
    _open(page, app_url)
    _button(page, "Slow").click()
    page.wait_for_timeout(1200)
    _button(page, "Pause").click()
    page.wait_for_timeout(300)
    stopped = _current_epoch(page)
    page.wait_for_timeout(1000)
    assert _current_epoch(page) == stopped
    assert 0 < stopped < 100


def test_dark_theme_and_projector_size(browser, app_url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme="dark")
    pg = ctx.new_page()
    _open(pg, app_url)
    pg.screenshot(path=str(SCREENSHOTS / "gd_dark_1280x720.png"))
    assert pg.locator("[data-testid='stException']").count() == 0
    ctx.close()


def test_regularization_alpha_sweep_plays(page, app_url):
    page.goto(app_url + "/regularization")
    page.wait_for_selector(".js-plotly-plot .slider-group", timeout=90_000)
    page.wait_for_timeout(500)
    label = page.locator(".js-plotly-plot .slider-group text.slider-label").first
    before = label.text_content()
    assert before.startswith("α = ")
    _button(page, "Sweep").click()
    page.wait_for_timeout(1500)
    assert label.text_content() != before
    page.screenshot(path=str(SCREENSHOTS / "regularization.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
