#!/usr/bin/env python3
"""Approves a held call on the approval page in a real headless Chromium.

usage: approval_browser.py APPROVAL_URL APPROVER_TOKEN EXPECTED_REASON

Drives Debian's chromium through chromedriver's W3C WebDriver API (standard
library only): first a page of another origin posts a sign-in form to the
backend (login CSRF) and must be refused; then it opens the page, signs in with
the approver token, checks that the held request is shown, clicks Approve,
waits until the page says "executed", and signs out.
"""
import html
import http.server
import json
import threading
import os
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
                         "--disable-dev-shm-usage", f"--user-data-dir={profile}"]}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def s(self, path):
        return f"/session/{self.session}{path}"

    def open(self, url):
        self.call("POST", self.s("/url"), {"url": url})

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


def serve_forged_sign_in(login_url, token, approval_id):
    """A page on another origin that posts a sign-in form to the backend."""
    page = (f'<!doctype html><form method="post" action="{html.escape(login_url)}">'
            f'<input name="token" value="{html.escape(token)}">'
            f'<input name="next" value="{html.escape(approval_id)}"></form>'
            '<script>document.forms[0].submit()</script>').encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    url, token, reason = sys.argv[1], sys.argv[2], sys.argv[3]
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
            # Login CSRF: another origin's page posts the token; refused.
            approval_id = url.rsplit("/", 1)[1]
            login_url = url.rsplit("/", 1)[0] + "/login"
            forger = serve_forged_sign_in(login_url, token, approval_id)
            try:
                browser.open(f"http://127.0.0.1:{forger.server_address[1]}/")
                browser.find("#error")
                assert "cross_origin_request" in browser.source(), "forged sign-in not refused"
            finally:
                forger.shutdown()
            browser.open(url)
            # Not signed in: a sign-in form, none of the request's details.
            page = browser.source()
            assert reason not in page, "details shown before sign-in"
            browser.type("#token", token)
            browser.click("#sign-in")
            browser.find("#approve")
            page = browser.source()
            assert reason in page, "the held request's reason is not shown"
            assert browser.text("#status") == "pending"
            browser.click("#approve")
            deadline = time.time() + 30
            while browser.text("#status") != "executed":
                if time.time() > deadline:
                    raise RuntimeError("never executed: " + browser.source()[:2000])
                time.sleep(0.2)
                browser.open(url)
            print("approval page: approved and executed")
            # Signing out ends the session: the page asks for the token again.
            browser.click("#sign-out")
            browser.find("#token")
            browser.open(url)
            browser.find("#token")
            assert reason not in browser.source(), "details shown after sign-out"
            print("approval page: forged sign-in refused, signed out")
            browser.quit()
    finally:
        driver_proc.terminate()
        driver_proc.wait()


if __name__ == "__main__":
    main()
