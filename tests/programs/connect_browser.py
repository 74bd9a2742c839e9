#!/usr/bin/env python3
"""Decides a Connect session at the simulated OAuth provider in a real
headless Chromium.

usage: connect_browser.py CONNECT_URL PROVIDERS_URL allow|deny ACCOUNT

Opens the Connect page, clicks "Continue to sim-oauth", checks that the browser
is on the provider's own consent page with a PKCE S256 authorization request,
types the account, clicks Allow or Deny, and checks the page the backend shows
when the provider sends the browser back.
"""
import sys
import urllib.parse

from webdriver import chromium

PROVIDER = "sim-oauth"


def main():
    url, providers, decision, account = sys.argv[1:5]
    backend = urllib.parse.urlsplit(url)
    with chromium() as browser:
        browser.open(url)
        browser.find(f"#authorize-{PROVIDER}")
        # Whom the person consents to, what it gets and for how long.
        assert browser.text("#app-name"), "the page does not name the app"
        assert "the scopes read, write" in browser.text(f"#provider-{PROVIDER}"), \
            browser.text(f"#provider-{PROVIDER}")
        assert browser.text("#lifetime"), "the page does not say how long"
        browser.screenshot(f"connect-{decision}-page")
        browser.click(f"#authorize-{PROVIDER}")
        browser.find("#account")
        at = urllib.parse.urlsplit(browser.current_url())
        assert f"{at.scheme}://{at.netloc}" == providers, f"not at the provider: {at}"
        assert at.path == f"/{PROVIDER}/oauth/authorize", f"not the consent page: {at}"
        query = urllib.parse.parse_qs(at.query)
        assert query.get("code_challenge_method") == ["S256"], f"no PKCE S256: {query}"
        assert query.get("code_challenge", [""])[0], f"no code_challenge: {query}"
        assert query.get("state", [""])[0], f"no state: {query}"
        back = urllib.parse.urlsplit(query["redirect_uri"][0])
        assert back.netloc == backend.netloc, f"redirect_uri elsewhere: {back}"
        browser.screenshot(f"connect-{decision}-consent")
        browser.clear("#account")
        browser.type("#account", account)
        browser.click(f"#{decision}")
        outcome = browser.text("#outcome")
        at = urllib.parse.urlsplit(browser.current_url())
        assert at.netloc == backend.netloc and at.path == "/connect/callback", \
            f"not back at the backend: {at}"
        want = "Your account is connected" if decision == "allow" else "Nothing was shared"
        assert want in outcome, f"outcome {outcome!r}, wanted {want!r}"
        browser.screenshot(f"connect-{decision}-outcome")
        print(f"connect page: {decision} at {PROVIDER}: {outcome}")


if __name__ == "__main__":
    main()
