"""A minimal headless-Chromium driver over the Chrome DevTools Protocol (no selenium needed).

`Browser` starts Debian's `chromium` headless with its own profile, talks CDP over the
websocket it opens (the `websockets` package Dagster already brings), and for each page
collects console errors, uncaught exceptions, failed requests and HTTP errors. A page can be
laid out as for print (`Page.emulate`) and printed to PDF (`Page.print_pdf`).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
    "--window-size=1280,900",
]


def start_browser(profile_dir: Path) -> Browser:
    """Headless Chromium for a test module: fails the test when there is none, unless
    PRIMED_SKIP_BROWSER=1 says to skip it."""
    import pytest

    exe = find_chromium()
    if exe is None:
        if os.environ.get("PRIMED_SKIP_BROWSER") == "1":
            pytest.skip("no chromium, and PRIMED_SKIP_BROWSER=1")
        pytest.fail(
            "headless Chromium is needed: apt-get install -y chromium chromium-driver "
            "(or set PRIMED_CHROMIUM to a Chrome binary)"
        )
    return Browser(exe, profile_dir)


def find_chromium() -> str | None:
    env = os.environ.get("PRIMED_CHROMIUM")
    if env:
        return env
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageResult:
    url: str
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


class Browser:
    def __init__(self, executable: str, profile_dir: Path, timeout: float = 30.0):
        self.timeout = timeout
        profile_dir.mkdir(parents=True, exist_ok=True)
        port_file = profile_dir / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)  # a stale one from an earlier browser
        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not port_file.exists() or len(port_file.read_text().split()) < 2:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.05)
        port, path = port_file.read_text().split()[:2]
        try:
            self.ws: ClientConnection = connect(
                f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=timeout
            )
        except BaseException:
            self.close()
            raise
        self._ids = itertools.count(1)
        self._events: list[dict] = []

    # ------------------------------------------------------------------ protocol

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def _wait_event(self, method: str, session: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self._events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {method} within {self.timeout}s")
            self._events.append(json.loads(self.ws.recv(timeout=remaining)))

    # ------------------------------------------------------------------ pages

    def open(self, url: str) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self._events.clear()
        self.send("Page.navigate", {"url": url}, session=session)
        self._wait_event("Page.loadEventFired", session)
        page = Page(self, session, target, PageResult(url))
        page.collect()
        return page

    def close(self) -> None:
        try:
            if hasattr(self, "ws"):
                with contextlib.suppress(Exception):
                    self.send("Browser.close")
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()


@dataclass
class Page:
    browser: Browser
    session: str
    target: str
    result: PageResult

    def collect(self) -> None:
        """Problems reported so far: console errors, exceptions, failed or refused requests."""
        time.sleep(0.2)  # let late log events arrive
        self.evaluate("1")
        for event in self.browser._events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                self.result.problems.append(f"console error: {args}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                self.result.problems.append(f"exception: {details.get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                self.result.problems.append(f"log error: {entry.get('text')} {entry.get('url')}")
            elif method == "Network.requestWillBeSent":
                self.result.requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                self.result.problems.append(f"failed request: {params.get('errorText')}")
            elif method == "Network.responseReceived":
                status = params["response"].get("status", 0)
                if status >= 400:
                    self.result.problems.append(
                        f"HTTP {status} for {params['response'].get('url')}"
                    )
        self.browser._events = [
            e for e in self.browser._events if e.get("sessionId") != self.session
        ]

    def evaluate(self, expression: str) -> Any:
        reply = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"evaluate failed: {reply['exceptionDetails'].get('text')}")
        return reply["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        size = self.evaluate(
            "({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})"
        )
        shot = self.browser.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1},
            },
            session=self.session,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def emulate(self, media: str, width: int = 1280, height: int = 900) -> None:
        """Lay the page out for CSS media `media` (`print`, `screen`) in a `width` x `height`
        CSS-pixel viewport; `emulate("", 1280, 900)` is as `Browser.open` left it."""
        self.browser.send("Emulation.setEmulatedMedia", {"media": media}, session=self.session)
        self.browser.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )

    def print_pdf(self, path: Path | None = None) -> bytes:
        """The page printed to PDF as a person prints it: the paper size and margins of its
        CSS `@page`, backgrounds only where the stylesheet asks for them; written to `path`."""
        reply = self.browser.send(
            "Page.printToPDF",
            {"preferCSSPageSize": True, "printBackground": False},
            session=self.session,
        )
        pdf = base64.b64decode(reply["data"])
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
        return pdf

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})


def pdf_pages(pdf: bytes) -> tuple[int, list[tuple[float, float]]]:
    """A PDF's page count (its page tree's `/Count`) and the size in points of each distinct
    `/MediaBox`: enough to check a print without a PDF library."""
    assert pdf.startswith(b"%PDF-"), "not a PDF"
    # The root of the page tree counts every page (Chromium writes one flat tree).
    count = max(int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf))
    boxes = {
        (float(x1) - float(x0), float(y1) - float(y0))
        for x0, y0, x1, y1 in re.findall(
            rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf
        )
    }
    return count, sorted(boxes)
