"""The explorer page in a real headless browser: Debian's chromium driven by selenium.

Trains a small model, starts ``python -m lmbasics serve`` on a free port in a subprocess, types a
word, reads its neighbours, solves an analogy, clicks a word on the map, and takes screenshots
(English and Chinese). Skipped where chromium, chromedriver or selenium is missing, except in CI
(``CI`` set), where ``.ci/run`` installs them and a skip would hide a broken page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
TIMEOUT = 30  # seconds for any one thing to appear on the page


def _require(ok: bool, what: str) -> None:
    if not ok:
        message = f"browser test needs {what}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (.ci/run should have installed it)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    _require(CHROMIUM is not None and CHROMEDRIVER is not None, "chromium and chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _require(False, "selenium (pip install selenium)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--disable-dev-shm-usage",
                 "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


def _serve(vectors: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``lmbasics serve`` on a free port; return the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lmbasics", "serve", str(vectors), "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(TIMEOUT)
    match = re.search(r"http://[\w.:\[\]]+/", lines[0]) if lines else None
    if match is None:
        process.kill()
        _, errors = process.communicate()
        raise AssertionError(f"server did not start: {lines} {errors}")
    return process, match.group(0)


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.communicate(timeout=10)  # also closes the pipes
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, TIMEOUT).until(condition, message=f"waiting for {what}")


def _results(driver, list_id: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [word.text for word in driver.find_elements(By.CSS_SELECTOR, f"#{list_id} li .word")]


def _ask(driver, form: str, values: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for field, value in values.items():
        box = driver.find_element(By.ID, f"{form}-{field}")
        box.clear()
        box.send_keys(value)
    driver.find_element(By.CSS_SELECTOR, f"#{form}-form button[type=submit]").click()


def _open(driver, url: str) -> None:
    driver.get(url)
    _wait(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true",
          "the page to load")
    _wait(driver, lambda d: d.execute_script("return document.getElementById('map').dataset.ready")
          == "true", "the map")


def _click_word_on_map(driver, word: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    canvas = driver.find_element(By.ID, "map")
    x, y = driver.execute_script("return window.lmbasicsMap.screenPosition(arguments[0])", word)
    size = canvas.size  # selenium offsets are from the element's centre
    ActionChains(driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)).click().perform()


_MOST_ISOLATED_WORD = """
const map = window.lmbasicsMap;
let best = null, bestGap = -1;
for (const [word, i] of map.index) {
  const [x, y] = map.toScreen(map.points[i]);
  let gap = Infinity;
  for (const [other, j] of map.index) {
    if (other === word) continue;
    const [u, v] = map.toScreen(map.points[j]);
    gap = Math.min(gap, (x - u) ** 2 + (y - v) ** 2);
  }
  if (gap > bestGap) { bestGap = gap; best = word; }
}
return best;
"""


def test_explorer_in_a_browser(browser, english_vectors_file: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    process, url = _serve(english_vectors_file)
    try:
        _open(browser, url)
        assert "people.txt" in browser.find_element(By.ID, "info").text

        _ask(browser, "neighbours", {"word": "king"})
        _wait(browser, lambda d: _results(d, "neighbours-results"), "king's neighbours")
        neighbours = _results(browser, "neighbours-results")
        assert len(neighbours) == 10 and "king" not in neighbours
        assert set(neighbours[:3]) <= {"queen", "prince", "man", "princess", "boy", "woman"}

        _ask(browser, "analogy", {"a": "man", "b": "king", "c": "woman"})
        _wait(browser, lambda d: _results(d, "analogy-results"), "the analogy's answers")
        assert _results(browser, "analogy-results")[0] == "queen"

        _ask(browser, "neighbours", {"word": "kingdom"})
        _wait(browser, lambda d: d.find_element(By.ID, "neighbours-error").text, "an error")
        assert "not in the vocabulary" in browser.find_element(By.ID, "neighbours-error").text

        # words of a small toy model crowd together on the map: click the most isolated one
        word = browser.execute_script(_MOST_ISOLATED_WORD)
        _click_word_on_map(browser, word)
        _wait(browser, lambda d: d.find_element(By.ID, "neighbours-word").get_attribute("value")
              == word and _results(d, "neighbours-results"), "the clicked word's neighbours")
        assert browser.find_element(By.ID, "tooltip").text == word

        _ask(browser, "similarity", {"word1": "king", "word2": "queen"})
        _wait(browser, lambda d: d.find_element(By.ID, "similarity-result").text, "a similarity")
        assert re.search(r"= -?\d\.\d{4}$", browser.find_element(By.ID, "similarity-result").text)

        shot = tmp_path / "explorer.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        _stop(process)


def test_chinese_in_a_browser(browser, tmp_path: Path) -> None:
    pytest.importorskip("jieba")
    from selenium.webdriver.common.by import By

    from tests.explore.explore_corpora import people_sentences, train_vectors

    vectors = tmp_path / "人物.txt"
    train_vectors(people_sentences("zh")).save_word2vec_format(vectors)
    process, url = _serve(vectors, "--tokenizer", "jieba")
    try:
        _open(browser, url)
        _ask(browser, "neighbours", {"word": "王后宫殿"})  # not a word: segmented by jieba
        _wait(browser, lambda d: _results(d, "neighbours-results"), "neighbours of a phrase")
        _ask(browser, "analogy", {"a": "男人", "b": "国王", "c": "女人"})
        _wait(browser, lambda d: _results(d, "analogy-results"), "the analogy's answers")
        assert _results(browser, "analogy-results")[0] == "王后"
        assert "jieba" in browser.find_element(By.ID, "info").text
        shot = tmp_path / "explorer-zh.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        _stop(process)
