"""The dashboard in a real browser (headless Chromium): every page loads without a console error,
the numbers on a page are the lens's in the block the page prints, and a mint and a redeem signed
by the browser's wallet mine and show on the holder page. Screenshots go to out/dashboard/."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from web3 import Web3
from web3.logs import DISCARD

from ltsdk.dashboard import pages
from ltsdk.units import USDC, WAD

# what a row's cells hold (data-raw) -> the lens field it must equal
TABLE_FIELDS = ("nav_per_share", "leverage", "status", "next_slot", "supply", "nav", "max_total_assets")

READ_ROWS = """() => [...document.querySelectorAll("tr[data-token]")].map((row) => ({
    token: row.dataset.token,
    cells: Object.fromEntries([...row.querySelectorAll("[data-field]")].map(
        (cell) => [cell.dataset.field, {raw: cell.dataset.raw, text: cell.innerText.trim()}])),
}))"""


def printed_block(page) -> int:
    return int(page.get_attribute("#block", "data-block"))


def test_every_page__loads__without_console_errors(dashboard_url, holder, open_page, screenshot):
    for name, path in [
        ("tokens", "/"),
        ("token", "/token/BTC3L?deposit=1000"),
        ("holder", f"/holder/{holder.address}"),
        ("keeper", "/keeper"),
    ]:
        page = open_page(dashboard_url + path)
        assert printed_block(page) > 0
        assert page.locator("main h1").count() == 1
        screenshot(page, name)


def test_token_table__every_number__is_the_lens_in_the_printed_block(dashboard_url, admin_protocol, open_page):
    page = open_page(dashboard_url + "/")
    block = printed_block(page)
    states = admin_protocol.states(block=block)
    timestamp = admin_protocol.w3.eth.get_block(block)["timestamp"]
    rows = page.evaluate(READ_ROWS)
    assert [row["token"] for row in rows] == list(states)
    for row in rows:
        state, cells = states[row["token"]], row["cells"]
        for field in TABLE_FIELDS:
            assert int(cells[field]["raw"]) == getattr(state, field), (row["token"], field)
        assert cells["band"]["raw"] == f"{state.band_lower},{state.band_upper}"
        assert int(cells["oracle_age"]["raw"]) == timestamp - state.oracle_updated_at
        assert cells["nav_per_share"]["text"] == pages.assets_text(state.nav_per_share, 6, 4)
        assert cells["nav"]["text"] == pages.assets_text(state.nav)
    # the funded tokens show what the lens says of them: BTC3L's leverage moved with the price
    btc3l = next(row for row in rows if row["token"] == "BTC3L")["cells"]
    assert btc3l["leverage"]["text"] == pages.multiple_text(states["BTC3L"].leverage)
    assert states["BTC3L"].leverage < 3 * WAD  # a long after a rise: below target


def test_token_page__numbers_and_quote__are_the_chain_in_the_printed_block(dashboard_url, admin_protocol, open_page):
    page = open_page(dashboard_url + "/token/BTC3L?deposit=1000")
    block = printed_block(page)
    state = admin_protocol.states(["BTC3L"], block=block)["BTC3L"]
    for field in ("nav_per_share", "leverage", "price", "nav", "supply", "size", "margin", "next_slot"):
        assert int(page.get_attribute(f"main [data-field={field}]", "data-raw")) == getattr(state, field), field
    token = admin_protocol.token("BTC3L").contract
    quoted = token.functions.previewDeposit(1_000 * USDC).call({"from": token.address}, block)
    assert int(page.get_attribute("#quote", "data-out")) == quoted
    assert f"block {block}" in page.inner_text("#quote")


def test_token_page__history__comes_from_the_index_and_its_terms_add_up(dashboard_url, open_page):
    page = open_page(dashboard_url + "/token/BTC3L")
    assert int(page.inner_text("#indexed-block")) <= printed_block(page)
    page.wait_for_selector("#nav-chart .uplot")  # uPlot drew the NAV chart
    assert page.locator("#cost-chart .uplot").count() == 1
    terms = {
        row.get_attribute("data-term"): [float(cell.inner_text()) for cell in row.locator("td.num").all()]
        for row in page.locator("#tracking tbody tr").all()
    }
    parts = ("rebalancing timing", "venue trading cost", "funding", "management fee", "residual")
    assert set(terms) == {"fund vs ideal", *parts}
    gap = terms["fund vs ideal"][0]
    assert abs(gap - sum(terms[name][0] for name in parts)) < 0.03  # each printed to 0.01 bp
    assert abs(terms["residual"][1]) < 1  # bp per 30 days


def test_holder_page__positions__are_the_balances_in_the_printed_block(
    dashboard_url, admin_protocol, holder, open_page
):
    page = open_page(dashboard_url + f"/holder/{holder.address}")
    block = printed_block(page)
    states = admin_protocol.states(block=block)
    rows = {row["token"]: row["cells"] for row in page.evaluate(READ_ROWS)}
    assert set(rows) == {"BTC3L", "ETH3S", "BTC5L"}
    for symbol, cells in rows.items():
        shares = admin_protocol.token(symbol).contract.functions.balanceOf(holder.address).call(block_identifier=block)
        assert int(cells["shares"]["raw"]) == shares
        assert int(cells["value"]["raw"]) == shares * states[symbol].nav_per_share // WAD
        assert int(cells["cost_basis"]["raw"]) == 5_000 * USDC  # the index: paid at mint, fees included


def test_deposit__signed_in_the_browser_wallet__mines_and_the_holder_page_shows_it(
    depositor, project, dashboard_url, admin_protocol, index_now, open_page, screenshot
):
    usdc = project.MockUSDC.at(admin_protocol.manifest["collateral"])
    usdc.mint(depositor, 2_000 * USDC, sender=depositor)
    before = open_page(dashboard_url + f"/holder/{depositor.address}")
    assert before.locator("#no-positions").is_visible()

    page = open_page(dashboard_url + "/token/BTC3L", wallet=depositor.address)
    page.fill("#deposit-amount", "1000")
    page.click("button.send[data-side=deposit]")
    page.wait_for_selector("#holdings", timeout=90_000)  # minutes on a loaded machine
    sent = page.evaluate("window.__sentTransactions")
    token = admin_protocol.token("BTC3L").contract
    assert [tx["to"] for tx in sent] == [admin_protocol.collateral.address, token.address]  # approval, then the deposit
    receipt = admin_protocol.w3.eth.get_transaction_receipt(page.get_attribute("#wallet-status", "data-tx"))
    assert receipt["status"] == 1
    (event,) = token.events.Deposit().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["assets"] == 1_000 * USDC and event["args"]["owner"] == depositor.address
    screenshot(page, "token-after-deposit")

    index_now()
    page.click("#holdings")
    page.wait_for_selector("#positions")
    block = printed_block(page)
    assert block >= receipt["blockNumber"]
    rows = {row["token"]: row["cells"] for row in page.evaluate(READ_ROWS)}
    assert int(rows["BTC3L"]["shares"]["raw"]) == event["args"]["shares"]
    assert int(rows["BTC3L"]["shares"]["raw"]) == token.functions.balanceOf(depositor.address).call(
        block_identifier=block
    )
    assert int(rows["BTC3L"]["cost_basis"]["raw"]) == 1_000 * USDC  # the index saw the wallet's deposit
    screenshot(page, "holder-after-deposit")


def test_redeem__signed_in_the_browser_wallet__pays_the_holder(dashboard_url, admin_protocol, holder, open_page):
    token = admin_protocol.token("ETH3S").contract
    shares_before = token.functions.balanceOf(holder.address).call()
    page = open_page(dashboard_url + "/token/ETH3S", wallet=holder.address)
    page.fill("#redeem-amount", "2.5")
    page.click("button.send[data-side=redeem]")
    page.wait_for_selector("#holdings", timeout=90_000)  # minutes on a loaded machine
    assert len(page.evaluate("window.__sentTransactions")) == 1  # no approval to redeem
    receipt = admin_protocol.w3.eth.get_transaction_receipt(page.get_attribute("#wallet-status", "data-tx"))
    (event,) = token.events.Withdraw().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["shares"] == 25 * WAD // 10
    assert token.functions.balanceOf(holder.address).call() == shares_before - 25 * WAD // 10


def test_bad_amount__in_the_wallet_flow__shows_the_error_and_sends_nothing(
    outsider, dashboard_url, admin_protocol, open_page
):
    nonce = admin_protocol.w3.eth.get_transaction_count(outsider.address)
    page = open_page(dashboard_url + "/token/BTC3L", wallet=outsider.address)
    for amount, expected in [("abc", "amount must be a number"), ("1000", "InsufficientBalance")]:
        page.fill("#deposit-amount", amount)
        page.click("button.send[data-side=deposit]")
        page.wait_for_function("document.getElementById('wallet-error').textContent.length > 0")
        assert expected in page.inner_text("#wallet-error")
    assert page.evaluate("window.__sentTransactions") == []
    assert admin_protocol.w3.eth.get_transaction_count(Web3.to_checksum_address(outsider.address)) == nonce


# ---------------------------------------------------------------- the same server, without a browser


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_bad_address_or_symbol__answers_400_with_the_reason(dashboard_url):
    status, html = _get(dashboard_url + "/holder/0x123")
    assert status == 400 and "not an address" in html
    status, html = _get(dashboard_url + "/token/DOGE9L")
    assert status == 400 and "unknown token" in html and "BTC3L" in html  # names the known symbols


def test_wallet_api__refusals_are_answers_and_a_bad_body_is_400(dashboard_url, outsider):
    status, answer = _post(dashboard_url + "/api/transactions/deposit", b"not json")
    assert status == 400 and answer["error"] == "BadRequest"
    body = {"symbol": "btc3l", "amount": "1000", "sender": outsider.address, "slippage_bps": 20_000}
    status, answer = _post(dashboard_url + "/api/transactions/deposit", json.dumps(body).encode())
    assert status == 200 and answer["error"] == "BadArgument" and "transactions" not in answer
    body = {"symbol": "BTC3L", "amount": "1", "sender": outsider.address}
    status, answer = _post(dashboard_url + "/api/transactions/redeem", json.dumps(body).encode())
    assert status == 200 and answer["error"] == "InsufficientBalance"
