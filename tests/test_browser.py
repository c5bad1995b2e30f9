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


def _choose_csv(page, url):
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot .slider-group", timeout=90_000)
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="Your CSV file…").click()
    page.wait_for_selector("[data-testid='stFileUploaderDropzoneInput']", state="attached",
                           timeout=30_000)


def test_upload_a_csv_with_a_hostile_column_name(page, app_url, tmp_path):
    hostile = "<img src=x onerror=alert(1)>"
    rows = [f'"{hostile}",target'] + [f"{i / 10},{3 * i / 10 + 1}" for i in range(40)]
    path = tmp_path / "mine.csv"
    path.write_text("\n".join(rows) + "\n")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _choose_csv(page, app_url)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.wait_for_function(
        "() => document.body.innerText.includes('mine.csv: 40 rows')", timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .slider-group", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SCREENSHOTS / "upload.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("img[src='x']").count() == 0  # never rendered as HTML
    assert not dialogs
    page.get_by_text("Your data: 40 rows").click()
    page.wait_for_timeout(500)
    assert hostile in page.locator("[data-testid='stExpander']").first.inner_text() or \
        page.locator("[data-testid='stDataFrame']").count() > 0


def test_upload_a_bad_file_keeps_the_page_working(page, app_url, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    _choose_csv(page, app_url)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.wait_for_selector("[data-testid='stAlertContentError']", timeout=60_000)
    text = page.locator("[data-testid='stAlertContentError']").first.inner_text()
    assert "CSV" in text
    assert page.locator("[data-testid='stException']").count() == 0


def test_a_changed_setting_is_in_the_link_and_a_fresh_browser_reopens_it(browser, app_url):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    _open(page, app_url)
    metric = page.locator("[data-testid='stMetricValue']").first
    before = metric.inner_text()
    box = page.get_by_label("Learning rate η", exact=True)
    box.fill("0.037")
    box.press("Enter")
    page.wait_for_function("() => location.search.includes('lr=0.037')", timeout=30_000)
    for _ in range(60):  # the rerun with the new rate has drawn its readouts
        if metric.inner_text() != before:
            break
        page.wait_for_timeout(500)
    link = page.url
    loss = metric.inner_text()
    assert loss != before
    ctx.close()
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    other = fresh.new_page()
    _open(other, link)
    assert other.get_by_label("Learning rate η", exact=True).input_value() == "0.037"
    assert other.locator("[data-testid='stMetricValue']").first.inner_text() == loss
    fresh.close()


def test_a_link_with_nonsense_shows_a_notice_and_no_exception(page, app_url):
    _open(page, app_url + "/?lr=banana&epochs=-4&optimizer=%3Cb%3Ex%3C%2Fb%3E")
    page.wait_for_selector("[data-testid='stAlertContentWarning']", timeout=30_000)
    text = page.locator("[data-testid='stAlertContentWarning']").first.inner_text()
    assert "lr=banana" in text
    assert "<b>x</b>" in text  # shown as text, not markup
    assert page.locator("[data-testid='stException']").count() == 0


def test_export_buttons_download_the_run(page, app_url, tmp_path):
    _open(page, app_url)
    page.get_by_text("Export this run").click()
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="History (CSV)").click()
    path = tmp_path / "history.csv"
    info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("epoch,loss,")
    assert len(lines) == 102  # header + epochs 0..100
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Python script").click()
    script = tmp_path / "run.py"
    info.value.save_as(script)
    assert "loss.backward()" in script.read_text()
