#!/usr/bin/env python3
"""Approves a held call on the approval page in a real headless Chromium.

usage: approval_browser.py APPROVAL_URL APPROVER_TOKEN EXPECTED_REASON

Drives Debian's chromium through chromedriver's W3C WebDriver API (standard
library only, webdriver.py): first a page of another origin posts a sign-in
form to the backend (login CSRF) and must be refused; then it opens the page,
signs in with the approver token, checks that the held request is shown,
clicks Approve, waits until the page says "executed", and signs out.
"""
import html
import http.server
import sys
import threading
import time

from webdriver import chromium


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
    with chromium() as browser:
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
        browser.screenshot("approval-sign-in")
        browser.type("#token", token)
        browser.click("#sign-in")
        browser.find("#approve")
        page = browser.source()
        assert reason in page, "the held request's reason is not shown"
        assert browser.text("#status") == "pending"
        assert browser.text("#gate-1-status") == "pending"
        assert "(in " in browser.text("body"), "no time left beside the expiry"
        browser.screenshot("approval-pending")
        # The list of what waits for this approver names this call.
        browser.click("#pending-list")
        assert browser.text("#pending-count") == "1", browser.text("body")[:2000]
        assert reason in browser.text("#pending")
        browser.screenshot("approval-list")
        browser.click(f"a[href='/approvals/{approval_id}']")
        # One note for either button.
        browser.type("#reason", "checked the amount")
        browser.click("#approve")
        deadline = time.time() + 30
        while browser.text("#status") != "executed":
            if time.time() > deadline:
                raise RuntimeError("never executed: " + browser.source()[:2000])
            time.sleep(0.2)
            browser.open(url)
        assert browser.text("#gate-1-status") == "approved"
        assert "checked the amount" in browser.text("#gate-1"), browser.text("#gate-1")
        browser.screenshot("approval-executed")
        print("approval page: approved and executed")
        # Signing out ends the session: the page asks for the token again.
        browser.click("#sign-out")
        browser.find("#token")
        browser.open(url)
        browser.find("#token")
        assert reason not in browser.source(), "details shown after sign-out"
        print("approval page: forged sign-in refused, signed out")


if __name__ == "__main__":
    main()
