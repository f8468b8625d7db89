"""Headless-browser tests: Debian's chromium, driven by Playwright, against a
live server, with a real SMTP server on this machine catching the emails.

Set ``CHROMIUM`` to the browser's path (default ``/usr/bin/chromium``). Where
there is no chromium the tests fail, unless ``VIRTU_SKIP_BROWSER_TESTS=1``.
"""
