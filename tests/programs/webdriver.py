"""A W3C WebDriver client for Debian's chromium through chromedriver, standard
library only: what the browser tests (approval_browser.py, connect_browser.py)
share."""
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
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
                         "--disable-dev-shm-usage", "--window-size=1280,1600",
                         f"--user-data-dir={profile}"]}}}}
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

    def screenshot(self, name):
        """Saves what the browser shows as NAME.png under $ALTER_TEST_ARTEFACTS
        (the current directory by default), checks that it is a PNG with
        something on it, and returns its path."""
        png = base64.b64decode(self.call("GET", self.s("/screenshot")))
        if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) < 1000:
            raise RuntimeError(f"screenshot {name}: not a PNG of a page ({len(png)} bytes)")
        where = os.environ.get("ALTER_TEST_ARTEFACTS", ".")
        os.makedirs(where, exist_ok=True)
        path = os.path.join(where, name + ".png")
        with open(path, "wb") as f:
            f.write(png)
        print(f"screenshot: {path}")
        return path

    def quit(self):
        if self.session:
            self.call("DELETE", self.s(""))


def _processes_using(profile):
    """The pids whose command line names `profile` (the browser and its helpers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if f"--user-data-dir={profile}".encode() in f.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found


def _end_everything(driver_proc, profile):
    """chromedriver's process group, then whatever still runs on the profile."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(driver_proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            driver_proc.wait(timeout=grace)
        left = _processes_using(profile)
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.time() + grace
        while left and time.time() < deadline:
            time.sleep(0.05)
            left = _processes_using(profile)
        if not left and driver_proc.poll() is not None:
            return
    raise RuntimeError(f"a browser on {profile} outlived its test")


@contextlib.contextmanager
def chromium():
    """A headless Chromium session with a fresh profile (under
    $ALTER_BROWSER_PROFILES when set). Whatever happens in the block, the
    session, chromedriver and every browser process on the profile end before
    this returns: a browser never outlives its test."""
    port = free_port()
    # Its own process group: the browser it starts is in it too.
    driver_proc = subprocess.Popen(["chromedriver", f"--port={port}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
    # A test stopped by SIGTERM (CTest's timeout) still cleans up.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    browser = WebDriver(port)
    profile = tempfile.mkdtemp(prefix="alter-browser-",
                               dir=os.environ.get("ALTER_BROWSER_PROFILES"))
    try:
        for _ in range(100):
            try:
                browser.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        browser.start(profile)
        yield browser
    finally:
        with contextlib.suppress(Exception):
            browser.quit()
        try:
            _end_everything(driver_proc, profile)
        finally:
            signal.signal(signal.SIGTERM, previous)
            shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    # Self-test: a block that fails mid-session still leaves no browser behind.
    class Planned(Exception):
        pass
    root = tempfile.mkdtemp(prefix="alter-browser-selftest-")
    os.environ["ALTER_BROWSER_PROFILES"] = root
    try:
        with chromium() as b:
            b.open("about:blank")
            raise Planned()
    except Planned:
        pass
    left = [p for p in os.listdir("/proc") if p.isdigit()
            and root.encode() in open(f"/proc/{p}/cmdline", "rb").read()]
    shutil.rmtree(root, ignore_errors=True)
    if left:
        sys.exit(f"browser processes outlived a failed block: {left}")
    print("webdriver: a failed block leaves no browser behind")
