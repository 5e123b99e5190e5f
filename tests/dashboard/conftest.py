"""Fixtures of the dashboard tests: the six products deployed and funded, the dashboard served from a
thread on the suite's anvil, and headless Chromium (Debian's package, driven by Playwright; no
browser download) whose pages fail their test on any console error. A page may carry a test
wallet: an EIP-1193 `window.ethereum` that forwards to anvil, where the account is unlocked."""

from __future__ import annotations

import os
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from ltsdk import Protocol
from ltsdk.mocks import set_price
from ltsdk.units import USDC

CHROMIUM = os.environ.get("LT_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path("out/dashboard")
PROVIDER = (Path(__file__).parent / "test_provider.js").read_text()
FUNDED = ("BTC3L", "ETH3S", "BTC5L")  # the tokens the holder is invested in
INVESTED = 5_000 * USDC  # per token


@pytest.fixture(scope="module")
def holder(accounts):
    """Invested in FUNDED before any page loads (its own account: the wallet tests use `depositor`)."""
    return accounts[4]


@pytest.fixture(scope="module")
def admin_protocol(manifest_file, chain, admin):
    """The admin's SDK session (every role on the local network)."""
    return Protocol.from_manifest(manifest_file, chain.provider.http_uri, account=Account.from_key(admin.private_key))


@pytest.fixture(scope="module")
def index_db(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("index") / "index.sqlite")


@pytest.fixture(scope="module")
def index_now(manifest_file, chain, admin_protocol, index_db):
    """index_now(): mine a block, then let the indexer (ltsdk.index, one block behind the head, a
    sample at every step) catch up to the block before it; the step's result."""
    from ltsdk.index import db
    from ltsdk.index.indexer import Indexer, Settings

    _, sessions = db.open_database(index_db)
    indexer = Indexer(
        admin_protocol.w3, admin_protocol.manifest, sessions, Settings(confirmations=1, sample_interval=0)
    )

    def step():
        chain.provider.make_request("evm_mine", [])
        return indexer.step()

    return step


@pytest.fixture(scope="module")
def invested(manifest_file, chain, holder, admin_protocol, project, index_now, depositor, outsider):
    """The holder's deposits into FUNDED, then BTC up 4 % so leverage has moved off target: a state
    where every column of the token table has something to show; indexed after each. (The wallet
    tests' actors, `depositor` and `outsider`, are asked for here so that they exist before ape
    snapshots the module.)"""
    rpc = chain.provider.http_uri
    usdc = project.MockUSDC.at(admin_protocol.manifest["collateral"])
    usdc.mint(holder, len(FUNDED) * INVESTED, sender=holder)
    investor = Protocol.from_manifest(manifest_file, rpc, account=Account.from_key(holder.private_key))
    for symbol in FUNDED:
        investor.token(symbol).deposit(INVESTED)
    index_now()
    set_price(admin_protocol.w3, admin_protocol.manifest, admin_protocol.account, "BTC", Decimal(62_400))
    index_now()
    return investor


@pytest.fixture(scope="module")
def dashboard_url(manifest_file, chain, invested, index_db):
    """The dashboard (ltsdk.dashboard.create_app) over the chain and the index, served by uvicorn
    in a thread, on a free port."""
    import uvicorn

    from ltsdk.dashboard import Settings, create_app

    app = create_app(Settings(manifest=str(manifest_file), rpc_url=chain.provider.http_uri, index=index_db))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the dashboard did not start in 20 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from Debian's package (`make setup` installs it). Module-scoped: Playwright's
    sync API keeps an asyncio loop running in this thread until it stops, and the async SDK tests
    that run later call asyncio.run()."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: `make setup` installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, chain):
    """open_page(url, wallet=None) -> a loaded Playwright page; with `wallet` (an address) the page
    has the test provider as window.ethereum. Any console error or uncaught exception on any page
    fails the test."""
    contexts = []
    problems: list[str] = []

    def open_(url: str, wallet: str | None = None):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        contexts.append(context)
        if wallet is not None:
            script = PROVIDER.replace("__RPC_URL__", chain.provider.http_uri).replace("__ACCOUNT__", wallet)
            context.add_init_script(script)
        page = context.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == [], f"console errors: {problems}"


@pytest.fixture
def screenshot():
    """screenshot(page, name): a full-page PNG at out/dashboard/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
