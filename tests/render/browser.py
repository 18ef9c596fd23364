"""One headless Chromium per test process, driven over the DevTools protocol on a pipe.

The browser tests started a Chromium for every page (`--dump-dom`, 0.5–1.5 s each, a
quarter of the quick suite's time); they now share one, which opens each page in a tab of
its own and closes it after. The protocol runs over `--remote-debugging-pipe` (messages
of JSON ended by a NUL byte, on file descriptors 3 and 4), so nothing but the standard
library is needed. A page is read when a condition the page itself sets holds (the
picture's `data-ready`, a measuring script's result), rather than after a fixed budget of
virtual time: a page that never gets there fails its test with the condition named.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import json
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

BROWSER = next(
    (
        shutil.which(name)
        for name in ("chromium", "chromium-browser", "google-chrome")
        if shutil.which(name)
    ),
    None,
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
]
#: The page's size: what `--window-size=1400,1000` leaves of the window for the page
#: (143 px go to the browser's own bars), a laptop's, which the tests were measured at.
VIEWPORT = (1400, 857)
#: The page's own sign that it is drawn (or that it failed: `data-errors`).
READY = "!!(document.body && (document.body.dataset.ready || document.body.dataset.errors))"


def _above_4(fd: int) -> int:
    """`fd` moved above 4: the shell's `3<&N- 4>&M-` would close a pipe already on 3 or 4
    (or cross the two) in a process that had those free."""
    if fd > 4:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class BrowserError(AssertionError):
    """The browser did not answer, or a page never got to the condition waited for."""


class Chromium:
    """A running headless Chromium and the pipe to it."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="revtrace-chromium-")
        to_browser, commands = map(_above_4, os.pipe())
        answers, from_browser = map(_above_4, os.pipe())
        command = shlex.join(
            [executable, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}"]
        )
        # The protocol's descriptors are 3 (commands) and 4 (answers) in the browser.
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {command} 3<&{to_browser}- 4>&{from_browser}-"],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._commands = commands
        self._answers = answers
        self._pending = b""
        self._counter = 0

    # -- the protocol --------------------------------------------------------------------

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:  # fmt: skip
        """A command's result; BrowserError when it fails or no answer comes in time."""
        self._counter += 1
        number = self._counter
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for answer in self._read(deadline, method):
                if answer.get("id") == number:
                    if "error" in answer:
                        raise BrowserError(f"{method}: {answer['error']}")
                    return dict(answer.get("result", {}))

    def _read(self, deadline: float, waiting_for: str) -> list[dict[str, Any]]:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self._answers], [], [], left)[0]:
            raise BrowserError(f"no answer from the browser to {waiting_for}")
        chunk = os.read(self._answers, 1 << 20)
        if not chunk:
            raise BrowserError(f"the browser closed the pipe (waiting for {waiting_for})")
        *messages, self._pending = (self._pending + chunk).split(b"\0")
        return [json.loads(m) for m in messages if m]

    # -- pages -----------------------------------------------------------------------------

    def page(
        self, url: str, until: str = READY, *, width: int = VIEWPORT[0],
        height: int = VIEWPORT[1], timeout: float = 120.0,
    ) -> Page:  # fmt: skip
        """`url` open in a new tab once `until` (a JavaScript expression) is true."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, target, session)
        try:
            self.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session,
            )
            self.send("Page.bringToFront", session=session)
            self.send("Page.navigate", {"url": url}, session)
            page.wait(until, timeout)
        except BaseException:
            page.close()
            raise
        return page

    def close(self) -> None:
        try:
            os.close(self._commands)
            os.close(self._answers)
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """A tab of the shared browser: evaluate in it, read its DOM, take a screenshot."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def evaluate(self, expression: str) -> Any:
        answer = self.browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session
        )
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression[:80]}: {answer['exceptionDetails']}")
        return answer.get("result", {}).get("value")

    def wait(self, until: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(until):
                    return
            except BrowserError:
                pass  # the document is being replaced by the one navigated to
            if time.monotonic() > deadline:
                raise BrowserError(f"the page never got to {until} in {timeout:.0f} s")
            time.sleep(0.05)

    def dom(self) -> str:
        """The document as `--dump-dom` gives it."""
        return str(self.evaluate("document.documentElement.outerHTML"))

    def screenshot(self, path: Path) -> None:
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, self.session)
        path.write_bytes(base64.b64decode(data["data"]))

    def close(self) -> None:
        with contextlib.suppress(BrowserError):  # a browser gone is stopped at exit anyway
            self.browser.send("Target.closeTarget", {"targetId": self.target})

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


_shared: Chromium | None = None


def shared() -> Chromium:
    """This process's browser, started at the first page and stopped at exit."""
    global _shared
    if _shared is None or _shared.process.poll() is not None:
        assert BROWSER is not None, "no Chromium on this machine"
        _shared = Chromium(BROWSER)
        atexit.register(_shared.close)
    return _shared


def dump_dom(url: str, until: str = READY, screenshot: Path | None = None) -> str:
    """The DOM of `url` once `until` holds (and a screenshot of it, when asked)."""
    with shared().page(url, until) as page:
        if screenshot is not None:
            page.screenshot(screenshot)
        return page.dom()
