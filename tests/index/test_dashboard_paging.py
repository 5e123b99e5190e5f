"""The dashboard's token page over the index (SQLite and the suite's PostgreSQL): its history lists
come a bounded page at a time, newest first, with links to the older and newer pages; a paging
parameter out of range is a 400 page that names it, not a crash."""

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from ltsdk.dashboard import Settings, create_app
from ltsdk.index import queries
from ltsdk.units import USDC


@pytest.fixture
def dashboard(manifest_file, rpc_url):
    """dashboard(database) -> a test client of the dashboard over the chain and that index."""
    clients = []

    def make(database):
        client = TestClient(create_app(Settings(manifest=str(manifest_file), rpc_url=rpc_url, index=database)))
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _blocks(page_html: str, table: str) -> list[int]:
    body = re.search(rf'<table[^>]*id="{table}".*?</table>', page_html, re.S)
    assert body is not None, table
    return [int(block) for block in re.findall(r'<tr data-block="(\d+)"', body.group(0))]


def _link(page_html: str, rel: str) -> str | None:
    found = re.search(rf'<p class="pager" id="splits-pager".*?<a rel="{rel}" href="([^"]+)"', page_html, re.S)
    return html.unescape(found.group(1)) if found else None


def test_token_page__splits_more_than_a_page__newest_page_first_then_older_by_link(
    database, make_indexer, depositor_sdk, admin_sdk, dashboard
):
    depositor_sdk.token("BTC3L").deposit(1_000 * USDC)
    for _ in range(3):
        admin_sdk.token("BTC3L").split(10)
    indexer, sessions = make_indexer(database)
    indexer.step()
    with sessions() as session:
        split_blocks = [
            split.block_number for split in queries.splits(session, queries.token_address(session, "BTC3L"))
        ]
    assert len(split_blocks) == 3
    client = dashboard(database)

    first = client.get("/token/BTC3L?splits_limit=2&deposit=100")

    assert first.status_code == 200
    assert _blocks(first.text, "splits") == split_blocks[:0:-1]  # the two newest, newest first
    assert _link(first.text, "prev") is None
    older_url = _link(first.text, "next")
    assert older_url is not None and "deposit=100" in older_url  # the page's other parameters kept
    older = client.get(older_url)
    assert older.status_code == 200
    assert _blocks(older.text, "splits") == split_blocks[:1]
    assert _link(older.text, "next") is None and _link(older.text, "prev") is not None
    assert 'data-total="3"' in older.text


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("splits_limit=0", "splits_limit must be a whole number from 1 to 200, got &#39;0&#39;"),
        ("rebalances_offset=-3", "rebalances_offset must be a whole number from 0 to"),
        ("rebalances_limit=ten", "rebalances_limit must be a whole number from 1 to 200, got &#39;ten&#39;"),
    ],
)
def test_token_page__paging_parameter_out_of_range__400_page_naming_it(database, make_indexer, dashboard, query, named):
    indexer, _ = make_indexer(database)
    indexer.step()

    answer = dashboard(database).get(f"/token/BTC3L?{query}")

    assert answer.status_code == 400
    assert named in answer.text
