"""The HTML report as a person sees it: opened in headless Chromium (marker ``browser``).

Chromium and chromedriver come from Debian (``scripts/install-browser``, run by ``make test``);
selenium drives them. Where neither can be installed the tests skip and say why. Screenshots go to
``$ELIGEX_SCREENSHOTS`` (default ``out/screenshots``) for a person to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "annotations" / "gold" / "seeds.jsonl"
SHOTS = Path(os.environ.get("ELIGEX_SCREENSHOTS", REPO / "out" / "screenshots"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic",
         # Debian's launcher means to add this when /dev/shm is small but its test is broken in
         # containers (two /dev/shm mounts); containers often have a 64 MB /dev/shm
         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000"]
# records uncaught errors and console.error calls from the first script on
ERROR_HOOK = """
window.__eligexErrors = [];
window.addEventListener('error', function (e) { window.__eligexErrors.push('error: ' + e.message); });
window.addEventListener('unhandledrejection', function (e) { window.__eligexErrors.push('rejection: ' + e.reason); });
(function () { var orig = console.error; console.error = function () {
  window.__eligexErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
  return orig.apply(console, arguments); }; })();
"""


def _binary(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env] if os.access(os.environ[env], os.X_OK) else None
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
        if found:
            return found
    return None


CHROMIUM = _binary("ELIGEX_CHROMIUM", "chromium", "chromium-browser")
CHROMEDRIVER = _binary("ELIGEX_CHROMEDRIVER", "chromedriver")


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("no headless Chromium: chromium and chromedriver not found (scripts/install-browser installs "
                    "them with apt-get; it could not on this machine, see its message)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e .[test])")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    started = time.monotonic()
    # an explicit driver path: selenium-manager (which would try to download one) is never run
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.set_page_load_timeout(60)
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_HOOK})
    print(f"chromium started in {time.monotonic() - started:.1f}s: {drv.capabilities.get('browserVersion')}")
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def report(extractor, tmp_path_factory):
    """The report of our seed gold, made as ``eligex evaluate --report`` makes it."""
    from pipeline.core.io import write_atomic
    from pipeline.evaluation.gold import load_gold
    from pipeline.evaluation.run import evaluate
    from pipeline.reporting import render_report, stamp_metrics

    records, _, info = load_gold(GOLD)
    metrics, errors, preds = evaluate(extractor.nlp, records)
    metrics = stamp_metrics(metrics)
    metrics["gold"] = {"path": str(GOLD.relative_to(REPO)), "format": "jsonl", "problems": 0, **info}
    assert errors, "the seed gold has no errors left: the filter test needs some"
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_atomic(path, render_report(metrics, errors, records, preds))
    return {"path": path, "metrics": metrics, "errors": errors}


def visible(drv, css: str) -> list:
    """The elements matching ``css`` that take up room on the page (one round trip, not one each)."""
    return drv.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).filter(function (e) {"
        "  var r = e.getBoundingClientRect(), s = getComputedStyle(e);"
        "  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; });", css)


def wait_for(drv, predicate, timeout: float = 10.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout).until(lambda d: predicate(d))


def gone_or_hidden(element) -> bool:
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return not element.is_displayed()
    except StaleElementReferenceException:  # taken out of the page
        return True


def page_errors(drv) -> list:
    logged = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    hooked = drv.execute_script("return window.__eligexErrors || []")
    return logged + hooked


def screenshot(drv, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert drv.save_screenshot(str(path)), f"could not save {path}"
    assert path.stat().st_size > 10_000
    print(f"screenshot: {path}")
    return path


def test_report_loads_without_errors_and_fetches_nothing(driver, report):
    driver.get(report["path"].as_uri())
    wait_for(driver, lambda d: d.find_elements("css selector", "#error-list .err-row"))
    assert page_errors(driver) == []
    assert driver.title.startswith("eligex evaluation")
    # nothing was loaded from anywhere: no script, style sheet, image or font resource at all
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    f1 = report["metrics"]["entities"]["f1"]
    card = driver.find_element("css selector", '.card[data-metric="entities"] .big')
    assert card.text == f"{f1:.3f}"
    screenshot(driver, "report-top.png")


def test_charts_render(driver, report):
    driver.get(report["path"].as_uri())
    metrics = report["metrics"]
    chart = driver.find_element("css selector", "#chart-entities")
    assert chart.is_displayed() and chart.size["width"] > 300 and chart.size["height"] > 100
    groups = chart.find_elements("css selector", ".bar-group")
    assert [g.get_attribute("data-name") for g in groups] == sorted(metrics["entities"]["per_label"])
    # each F1 bar is as wide as its figure says, on the chart's 0..1 axis
    from pipeline.reporting.svg import LABEL_W, PLOT_W, VALUE_W

    scale = chart.size["width"] / (LABEL_W + PLOT_W + VALUE_W)
    for g in groups:
        f1 = metrics["entities"]["per_label"][g.get_attribute("data-name")]["f1"]
        width = g.find_element("css selector", "rect.bar-f1").rect["width"]
        assert width == pytest.approx(max(f1 * PLOT_W, 0.5) * scale, abs=1.5), g.get_attribute("data-name")
    for css in ("#chart-relations", "#chart-constraints", "#chart-constraint-errors"):
        el = driver.find_element("css selector", css)
        assert el.is_displayed() and el.size["height"] > 40, css
    assert len(visible(driver, "#table-rules tbody tr")) == len(metrics["rules"])
    assert page_errors(driver) == []


def test_error_list_renders_each_error_in_its_criterion(driver, report):
    driver.get(report["path"].as_uri())
    rows = wait_for(driver, lambda d: visible(d, "#error-list .err-row"))
    assert len(rows) == min(100, len(report["errors"]))
    count = driver.find_element("css selector", "#error-count").text
    assert f"of {len(report['errors'])} matching" in count
    first = rows[0]
    assert first.find_element("css selector", ".side.gold .hl").is_displayed()
    assert first.find_element("css selector", ".side.pred .hl").is_displayed()
    # displaCy-style marks with their label, and the error's own span outlined
    marks = visible(driver, "#error-list mark.ent")
    assert marks and all(m.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "") for m in marks[:10])
    assert visible(driver, "#error-list .lbl")
    assert visible(driver, "#error-list .focus")
    assert first.find_element("css selector", ".err-head .rule").text
    assert page_errors(driver) == []


def test_filters_hide_rows(driver, report):
    from collections import Counter

    from selenium.webdriver.support.ui import Select

    driver.get(report["path"].as_uri())
    total = len(wait_for(driver, lambda d: visible(d, "#error-list .err-row")))
    kinds = Counter(e["kind"] for e in report["errors"])
    kind, n = min(kinds.items(), key=lambda kv: kv[1])
    assert n < total, "every error has the same kind: the filter cannot be seen to hide anything"
    other = next(r for r in visible(driver, "#error-list .err-row") if r.get_attribute("data-kind") != kind)
    Select(driver.find_element("css selector", "#f-kind")).select_by_value(kind)
    rows = wait_for(driver, lambda d: (lambda rs: rs if len(rs) == n else None)(visible(d, "#error-list .err-row")))
    assert {r.get_attribute("data-kind") for r in rows} == {kind}
    assert gone_or_hidden(other), "a row of another kind is still shown"
    assert f"Showing {n} of {n} matching" in driver.find_element("css selector", "#error-count").text
    driver.execute_script("document.getElementById('errors').scrollIntoView()")
    screenshot(driver, "report-errors-filtered.png")

    driver.find_element("css selector", "#f-reset").click()
    wait_for(driver, lambda d: len(visible(d, "#error-list .err-row")) == total)

    # a rule in the rules table filters the list to that rule's errors
    link = driver.find_element("css selector", "#table-rules a.filter-link")
    rule = link.get_attribute("data-value")
    link.click()
    expected = sum(1 for e in report["errors"] if rule in ([e["rule"]] if isinstance(e.get("rule"), str)
                                                           else e.get("rule") or []))
    rows = wait_for(driver, lambda d: visible(d, "#error-list .err-row") or None)
    assert 0 < len(rows) <= total and len(rows) >= expected
    assert all(rule in r.get_attribute("data-rules").split(" ") for r in rows)
    assert Select(driver.find_element("css selector", "#f-rule")).first_selected_option.get_attribute("value") == rule

    # free text that is in no criterion empties the list
    driver.find_element("css selector", "#f-reset").click()
    box = driver.find_element("css selector", "#f-q")
    box.send_keys("zzzz-no-such-text")
    wait_for(driver, lambda d: not visible(d, "#error-list .err-row"))
    assert "Showing 0 of 0" in driver.find_element("css selector", "#error-count").text
    assert page_errors(driver) == []


def test_compare_page_loads(driver, report, tmp_path):
    import copy

    from pipeline.reporting import compare_metrics, render_compare_html

    after = copy.deepcopy(report["metrics"])
    label = next(iter(after["entities"]["per_label"]))
    after["entities"]["per_label"][label]["f1"] = max(0.0, after["entities"]["per_label"][label]["f1"] - 0.1)
    path = tmp_path / "diff.html"
    path.write_text(render_compare_html(compare_metrics(report["metrics"], after)), encoding="utf-8")
    driver.get(path.as_uri())
    assert "1 F1 figure(s) dropped" in driver.find_element("css selector", "#verdict").text
    first = driver.find_element("css selector", "#table-f1 tbody tr")
    assert "regression" in first.get_attribute("class") and label in first.text
    assert driver.find_element("css selector", "#chart-delta").is_displayed()
    assert page_errors(driver) == []
    screenshot(driver, "compare.png")


def test_report_json_block_is_what_the_page_shows(driver, report):
    """The page's data block parses in the browser and holds every error."""
    driver.get(report["path"].as_uri())
    n = driver.execute_script("return JSON.parse(document.getElementById('eligex-data').textContent).errors.length")
    assert n == len(report["errors"])
    assert json.loads(driver.execute_script("return JSON.stringify(window.__eligexErrors)")) == []


def test_filtered_view_can_be_bookmarked(driver, report):
    from collections import Counter

    kind, n = Counter(e["kind"] for e in report["errors"]).most_common()[-1]
    driver.get(report["path"].as_uri() + f"#errors?kind={kind}")
    rows = wait_for(driver, lambda d: visible(d, "#error-list .err-row") or None)
    assert len(rows) == n and {r.get_attribute("data-kind") for r in rows} == {kind}
    driver.find_element("css selector", "#f-reset").click()
    wait_for(driver, lambda d: len(visible(d, "#error-list .err-row")) == min(100, len(report["errors"])))
    assert driver.execute_script("return location.hash") == "#errors"
    assert page_errors(driver) == []
