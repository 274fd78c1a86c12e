"""Browser tests: the real server (uvicorn, in a thread) driven by headless Debian Chromium via Playwright.

Chromium comes from Debian (`apt-get install -y chromium`), never from `playwright install`;
without /usr/bin/chromium every test here is skipped with that reason.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: install it with `apt-get install -y chromium`")
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)


class RunningServer:
    """`newsdesk serve` on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, db_path: Path, options=None) -> None:
        import uvicorn

        from newsdesk.serve import create_app

        config = uvicorn.Config(
            create_app(db_path, options), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="newsdesk-serve-e2e", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the newsdesk server did not start")
            time.sleep(0.05)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve():
    """Factory: ``serve(db_path)`` starts a server and returns its base URL; all stop at the end."""
    servers: list[RunningServer] = []

    def start(db_path: Path, options=None) -> str:
        server = RunningServer(db_path, options)
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Browsing:
    """A fresh page plus every request it made and every dialog a script tried to open."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def browsing(browser):
    session = Browsing(browser)
    yield session
    session.context.close()
