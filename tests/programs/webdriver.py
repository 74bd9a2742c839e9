"""A W3C WebDriver client for Debian's chromium through chromedriver, standard
library only: what the browser tests (approval_browser.py, connect_browser.py)
share."""
import contextlib
import json
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element key


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(RuntimeError):
    pass


class WebDriver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return json.loads(res.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            raise WebDriverError(f"{method} {path}: {e.code} {e.read()[:500]!r}") from None

    def start(self, profile):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", f"--user-data-dir={profile}"]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def s(self, path):
        return f"/session/{self.session}{path}"

    def open(self, url):
        self.call("POST", self.s("/url"), {"url": url})

    def current_url(self):
        return self.call("GET", self.s("/url"))

    def find(self, css, wait=10.0):
        deadline = time.time() + wait
        while True:
            try:
                found = self.call("POST", self.s("/element"),
                                  {"using": "css selector", "value": css})
                if ELEMENT not in (found or {}):
                    raise WebDriverError(f"unexpected find answer {found!r}")
                return found[ELEMENT]
            except WebDriverError as e:
                if time.time() > deadline:
                    raise RuntimeError(f"no element {css} ({e}) on {self.source()[:2000]}")
                time.sleep(0.1)

    def type(self, css, text):
        self.call("POST", self.s(f"/element/{self.find(css)}/value"), {"text": text})

    def clear(self, css):
        self.call("POST", self.s(f"/element/{self.find(css)}/clear"), {})

    def click(self, css):
        self.call("POST", self.s(f"/element/{self.find(css)}/click"), {})

    def text(self, css, wait=10.0):
        # After a click the page navigates: an element found on the old page
        # goes stale before it can be read. Find it again on the new one.
        deadline = time.time() + wait
        while True:
            try:
                return self.call("GET", self.s(f"/element/{self.find(css)}/text"))
            except WebDriverError as e:
                if "stale element" not in str(e) or time.time() > deadline:
                    raise
                time.sleep(0.1)

    def source(self):
        return self.call("GET", self.s("/source"))

    def quit(self):
        if self.session:
            self.call("DELETE", self.s(""))


@contextlib.contextmanager
def chromium():
    """A headless Chromium session with a fresh profile; ends the session when
    the block succeeds and chromedriver in any case."""
    port = free_port()
    driver_proc = subprocess.Popen(["chromedriver", f"--port={port}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    browser = WebDriver(port)
    try:
        for _ in range(100):
            try:
                browser.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as profile:
            browser.start(profile)
            yield browser
            browser.quit()
    finally:
        driver_proc.terminate()
        driver_proc.wait()
