#!/usr/bin/env python3
"""Opens a page in headless Chromium, checks what it shows and keeps a screenshot.

usage: page_in_browser.py URL NAME TEXT [TEXT...]

Each TEXT must be in the page's visible text (not only in its markup); the
screenshot is NAME.png under $ALTER_TEST_ARTEFACTS (webdriver.py)."""
import sys

from webdriver import chromium


def main():
    url, name, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
    with chromium() as browser:
        browser.open(url)
        shown = browser.text("body")
        missing = [t for t in wanted if t not in shown]
        assert not missing, f"{url} does not show {missing}: {shown[:2000]!r}"
        browser.screenshot(name)
        print(f"{name}: shows {len(wanted)} expected texts")


if __name__ == "__main__":
    main()
