"""A token the factory retires (TokenRetired) is marked retired in the index, on SQLite and on
PostgreSQL alike; a reorg past the retirement unmarks it; the dashboard over that index shows it
retired, not as a live product, in the token table and on its page. A symbol retired and created
again names the new token, while the old one, gone from the manifest, is still followed."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from ltsdk import mocks
from ltsdk.calls import Fn
from ltsdk.dashboard import Settings, create_app
from ltsdk.index import queries
from ltsdk.units import MAX_UINT256, USDC


def _retire(admin_sdk, symbol: str):
    """The factory's admin retires `symbol`'s token; the receipt."""
    token = admin_sdk.token(symbol).address
    retire = Fn(admin_sdk.manifest["factory"], "LeveragedTokenFactory", "retire_token", (token,))
    return mocks.send(admin_sdk.w3, admin_sdk.account, retire)


def _retired(sessions) -> dict[str, int | None]:
    with sessions() as session:
        return {token.symbol: token.retired_block for token in queries.tokens(session)}


def _status_of_rows(html: str) -> dict[str, str]:
    """The token table's rows: symbol -> the status word its badge shows."""
    rows = re.findall(r'<tr data-token="(\w+)" class="status-[\w-]+">(.*?)</tr>', html, re.S)
    found = {}
    for symbol, cells in rows:
        badge = re.search(r'data-field="status"[^>]*><span class="badge">([^<]+)</span>', cells)
        assert badge is not None, symbol
        found[symbol] = badge.group(1)
    return found


def test_index__factory_retires_a_token__marked_retired_in_its_block_others_stay_listed(
    database, make_indexer, admin_sdk
):
    indexer, sessions = make_indexer(database)
    indexer.step()
    assert set(_retired(sessions).values()) == {None}

    receipt = _retire(admin_sdk, "ETH3S")
    indexer.step()

    retired = _retired(sessions)
    assert retired.pop("ETH3S") == receipt["blockNumber"]
    assert set(retired.values()) == {None}
    assert admin_sdk.token("ETH3S").balance_of(admin_sdk.account.address) == 0  # the token itself is untouched


def test_index__reorg_removes_the_retirement__token_listed_again(database, make_indexer, admin_sdk, chain):
    indexer, sessions = make_indexer(database)
    indexer.step()
    snapshot = chain.snapshot()
    _retire(admin_sdk, "BTC3L")
    indexer.step()
    assert _retired(sessions)["BTC3L"] is not None

    chain.restore(snapshot)  # the retirement's block is gone
    chain.mine(4)  # the new branch grows past the old head
    result = indexer.step()

    assert result.fork is not None
    assert _retired(sessions)["BTC3L"] is None


def test_dashboard__over_an_index_that_saw_a_retirement__shows_the_token_retired_not_live(
    database, make_indexer, admin_sdk, manifest_file, rpc_url
):
    indexer, _ = make_indexer(database)
    receipt = _retire(admin_sdk, "BTC5S")
    indexer.step()
    app = create_app(Settings(manifest=str(manifest_file), rpc_url=rpc_url, index=database))

    with TestClient(app) as client:
        table = client.get("/")
        page = client.get("/token/BTC5S")

    assert table.status_code == 200 and page.status_code == 200
    statuses = _status_of_rows(table.text)
    assert statuses.pop("BTC5S") == "retired"
    assert statuses and "retired" not in statuses.values()
    assert '<tr data-token="BTC5S" class="status-retired">' in table.text
    assert f"retired from the factory&#39;s registry in block {receipt['blockNumber']}" in table.text
    assert f"retired (block {receipt['blockNumber']})" in page.text
    assert 'class="badge status-retired">retired</span>' in page.text


def test_index__symbol_retired_and_created_again__names_the_new_token_and_the_old_is_still_followed(
    database, make_indexer, manifest, admin_sdk, depositor_sdk, depositor
):
    old = depositor_sdk.token("ETH3S")
    old.deposit(500 * USDC)
    first, sessions = make_indexer(database)
    first.step()
    factory = admin_sdk.manifest["factory"]
    venue = manifest["markets"]["ETH"]["adapter"]
    admin = admin_sdk.account.address
    _retire(admin_sdk, "ETH3S")
    create = ("ETH", 3, False, venue, admin, admin, 100, MAX_UINT256)
    mocks.send(admin_sdk.w3, admin_sdk.account, Fn(factory, "LeveragedTokenFactory", "create_token", create))
    lookup = Fn(factory, "LeveragedTokenFactory", "token_by_symbol", ("ETH3S",))
    new = admin_sdk.node.function(lookup).call()
    assert new != old.address
    # the deployment's manifest now names the new ETH3S; the old token's holder redeems after it
    redeployed = {
        **manifest,
        "tokens": {**manifest["tokens"], "ETH3S": {**manifest["tokens"]["ETH3S"], "address": new}},
    }
    restarted, _ = make_indexer(database, manifest=redeployed)
    redeemed = old.redeem(old.balance_of(depositor.address))
    restarted.step()

    with sessions() as session:
        assert queries.token_address(session, "eth3s") == new
        named = {token.address: token.retired for token in queries.tokens(session) if token.symbol == "ETH3S"}
        assert named == {old.address: True, new: False}
        assert queries.position(session, old.address, depositor.address).shares == 0
        assert [row.assets for row in queries.redeems(session, old.address)] == [redeemed.assets]
