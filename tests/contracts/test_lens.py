"""LeveragedTokenLens: one eth_call returns one row per token, in order, and one token's trouble
(a stale or non-positive oracle answer, insolvency, an address that is not a token) is flagged in
its own row instead of reverting the call.

Every row is checked against the token's and the venue's own views, read in the same block (the
head block, which is what an eth_call sees).
"""

from __future__ import annotations

import time

import pytest
from helpers import split_status_of

from ltsdk import math
from ltsdk.codes import Reason
from ltsdk.deploy import ApeBackend, deploy_market, deploy_protocol, oracle_answer
from ltsdk.deploy import create_token as create_token_via_factory
from ltsdk.units import USDC, WAD

MAX = 2**256 - 1
ORACLE_DECIMALS = 8
ORACLE_MAX_AGE = 3_600  # venue max_oracle_age and token max_price_age, both defaults


FIELDS = (
    "token",
    "ok",
    "timestamp",
    "supply",
    "nav",
    "nav_per_share",
    "price",
    "oracle_updated_at",
    "oracle_fresh",
    "leverage",
    "target_leverage",
    "band_lower",
    "band_upper",
    "ripcord_leverage",
    "is_long",
    "status",
    "size_delta",
    "size",
    "margin",
    "withdrawable",
    "idle_assets",
    "next_slot",
    "last_rebalance_time",
    "chunk_pending",
    "split_factor",
    "split_is_reverse",
    "paused",
    "is_shutdown",
    "mint_fee_bps",
    "redeem_fee_bps",
    "management_fee_bps",
    "max_total_assets",
    "max_price_age",
    "twap_cooldown",
    "keeper_grace",
    "due_since",
)


def answer(usd) -> int:
    return oracle_answer(str(usd), ORACLE_DECIMALS)


def as_dict(row) -> dict:
    return {field: getattr(row, field) for field in FIELDS}


def views_row(token, venue, timestamp) -> dict:
    """The row the lens documents, built from the token's and the venue's own views."""
    status, size_delta = token.rebalance_status()
    split_factor, split_is_reverse = split_status_of(token)
    size, _entry, margin = venue.position(token)
    price, updated_at, usable = venue.oracle_price()
    target = token.target_leverage()
    band_lower, band_upper = math.band(target, token.band_bps())
    interval, offset = token.rebalance_interval(), token.rebalance_offset()
    max_price_age = token.max_price_age()
    return {
        "token": token.address,
        "ok": True,
        "timestamp": timestamp,
        "supply": token.totalSupply() - token.pending_fee_shares(),  # the minted supply
        "nav": token.totalAssets(),
        "nav_per_share": token.nav_per_share(),
        "price": price,
        "oracle_updated_at": updated_at,
        "oracle_fresh": math.is_fresh(usable, price, updated_at, timestamp, max_price_age),
        "leverage": token.current_leverage(),
        "target_leverage": target,
        "band_lower": band_lower,
        "band_upper": band_upper,
        "ripcord_leverage": token.ripcord_leverage(),
        "is_long": token.is_long(),
        "status": status,
        "size_delta": size_delta,
        "size": size,
        "margin": margin,
        "withdrawable": venue.max_withdrawable(token),
        "idle_assets": token.idle_assets(),
        "next_slot": math.next_slot_start(timestamp, offset, interval),
        "last_rebalance_time": token.last_rebalance_time(),
        "chunk_pending": token.chunk_pending(),
        "split_factor": split_factor,
        "split_is_reverse": split_is_reverse,
        "paused": token.paused(),
        "is_shutdown": token.is_shutdown(),
        "mint_fee_bps": token.mint_fee_bps(),
        "redeem_fee_bps": token.redeem_fee_bps(),
        "management_fee_bps": token.management_fee_bps(),
        "max_total_assets": token.max_total_assets(),
        "max_price_age": max_price_age,
        "twap_cooldown": token.twap_cooldown(),
        "keeper_grace": token.keeper_grace(),
        "due_since": token.due_since(),
    }


BOOL_FIELDS = {"ok", "oracle_fresh", "is_long", "chunk_pending", "split_is_reverse", "paused", "is_shutdown"}


def bare_token(project, admin, factory, underlying, leverage, is_long, venue):
    """A token the factory creates, without the keeper and guardian roles create_token grants (two
    transactions fewer each): what the lens reads of it does not depend on them."""
    backend = ApeBackend(project, admin)
    return create_token_via_factory(backend, factory, underlying, leverage, is_long, venue, cap=10**12 * USDC)


def failed_row(address) -> dict:
    """The documented row of an address whose reads revert: `ok` false, every other field zero."""
    row = {field: False if field in BOOL_FIELDS else 0 for field in FIELDS}
    row["token"] = address
    return row


@pytest.fixture(scope="session")
def lens(project, admin):
    return project.LeveragedTokenLens.deploy(sender=admin)


@pytest.fixture
def funded_token(token, depositor, fund, set_price):
    """BTC3L with 10,000 USDC from the depositor, on a fresh price."""
    set_price(60_000)
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    return token


@pytest.fixture(scope="module")
def protocol(project, admin):
    """deploy_protocol: BTC and ETH markets, six products (BTC3L/S, ETH3L/S, BTC5L/S) and a lens.
    Deployed once for the module (10-14 s on a loaded machine); each test starts from it again."""
    return deploy_protocol(ApeBackend(project, admin))


@pytest.fixture(scope="module")
def funded_protocol(protocol, depositor):
    """The six products, each with a different deposit so that no two rows could be swapped."""
    collateral = protocol["contracts"]["collateral"]
    for i, token in enumerate(protocol["contracts"]["tokens"].values()):
        assets = (i + 1) * 1_000 * USDC
        collateral.mint(depositor, assets, sender=depositor)
        collateral.approve(token, assets, sender=depositor)
        token.deposit(assets, depositor, sender=depositor)
    return protocol


def venue_of(protocol, token):
    market = protocol["tokens"][token.symbol()]["market"]
    return protocol["contracts"]["markets"][market]["adapter"]


def oracle_of(protocol, market):
    return protocol["contracts"]["markets"][market]["oracle"]


# ---------------------------------------------------------------- one row = the token's own views


def test_get_states__funded_btc3l__row_equals_token_and_venue_views_field_by_field(
    lens, funded_token, btc_venue, btc_oracle, chain
):
    token, venue = funded_token, btc_venue

    rows = lens.get_states([token])

    assert len(rows) == 1
    row = rows[0]
    ts = row.timestamp
    status, size_delta = token.rebalance_status()
    split_factor, split_is_reverse = split_status_of(token)
    size, _entry, margin = venue.position(token)
    price, updated_at, _usable = venue.oracle_price()
    interval, offset = token.rebalance_interval(), token.rebalance_offset()
    target = token.target_leverage()
    assert ts == chain.blocks.head.timestamp
    assert row.token == token.address
    assert row.ok is True
    assert row.supply == token.totalSupply()
    assert row.nav == token.totalAssets()
    assert row.nav_per_share == token.nav_per_share()
    assert row.leverage == token.current_leverage()
    assert row.target_leverage == target == 3 * WAD
    assert (row.band_lower, row.band_upper) == math.band(target, token.band_bps())
    assert row.ripcord_leverage == token.ripcord_leverage()
    assert row.is_long is True
    assert (row.status, row.size_delta) == (status, size_delta)
    assert (row.size, row.margin) == (size, margin)
    assert row.withdrawable == venue.max_withdrawable(token) > 0
    assert (row.price, row.oracle_updated_at) == (price, updated_at)
    assert row.price == 60_000 * WAD
    assert row.oracle_updated_at == btc_oracle.latestRoundData()[3]
    assert row.oracle_fresh is True
    assert row.idle_assets == token.idle_assets()
    assert row.next_slot == math.next_slot_start(ts, offset, interval)
    assert ts < row.next_slot <= ts + interval
    assert row.last_rebalance_time == token.last_rebalance_time()
    assert row.chunk_pending == token.chunk_pending()
    assert (row.split_factor, row.split_is_reverse) == (split_factor, split_is_reverse)
    assert row.paused is False and row.is_shutdown is False
    assert (row.mint_fee_bps, row.redeem_fee_bps, row.management_fee_bps) == (
        token.mint_fee_bps(),
        token.redeem_fee_bps(),
        token.management_fee_bps(),
    )
    assert row.max_total_assets == token.max_total_assets()
    assert row.max_price_age == token.max_price_age()
    # a funded position, so the comparison above is not between zeros
    assert row.supply > 0 and row.nav > 9_900 * USDC and row.size > 0 and row.margin > 0
    assert 3 * WAD <= row.leverage < 3 * WAD * 1_003 // 1_000
    # the whole row, and state_of agrees with get_states
    assert as_dict(row) == views_row(token, venue, ts)
    assert as_dict(lens.state_of(token)) == as_dict(row)


# ---------------------------------------------------------------- many tokens, in order


def test_get_states__six_products_in_any_order__each_row_is_its_own_token(funded_protocol):
    lens = funded_protocol["contracts"]["lens"]
    tokens = list(funded_protocol["contracts"]["tokens"].values())
    order = [tokens[i] for i in (4, 1, 5, 0, 3, 2)]

    rows = lens.get_states(order)

    assert [row.token for row in rows] == [token.address for token in order]
    ts = rows[0].timestamp
    for token, row in zip(order, rows, strict=True):
        spec = funded_protocol["tokens"][token.symbol()]
        assert row.ok is True
        assert row.target_leverage == spec["leverage"] * WAD
        assert row.is_long is spec["is_long"]
        assert as_dict(row) == views_row(token, venue_of(funded_protocol, token), ts)
        assert as_dict(row) == as_dict(lens.state_of(token))
    # deposits of 1,000 .. 6,000 USDC in manifest order: NAVs are distinct and in that order
    navs = {row.token: row.nav for row in rows}
    in_manifest_order = [navs[token.address] for token in tokens]
    assert in_manifest_order == sorted(in_manifest_order)
    assert len(set(in_manifest_order)) == 6
    # the 5x products carry their own band (15 %)
    btc5l = funded_protocol["contracts"]["tokens"]["BTC5L"]
    row_5l = rows[order.index(btc5l)]
    assert (row_5l.band_lower, row_5l.band_upper) == math.band(5 * WAD, 1_500)


def test_get_states__two_markets_on_the_fixture_stack__rows_follow_their_own_venue(
    project, admin, usdc, lens, token, create_token, depositor, fund
):
    eth_oracle, eth_venue = deploy_market(
        ApeBackend(project, admin),
        usdc,
        "ETH",
        {
            "price": "3000",
            "oracle_decimals": ORACLE_DECIMALS,
            "depth_usd": 1_000_000_000,
            "venue_liquidity": 50_000_000,
        },
        6,
    )
    btc3l = token
    btc3s = create_token(is_long=False)
    eth3l = create_token(adapter=eth_venue, underlying="ETH")
    for i, product in enumerate((btc3l, btc3s, eth3l)):
        fund(depositor, product, (i + 1) * 1_000 * USDC)
        product.deposit((i + 1) * 1_000 * USDC, depositor, sender=depositor)

    rows = lens.get_states([eth3l, btc3l, btc3s])

    assert [row.token for row in rows] == [eth3l.address, btc3l.address, btc3s.address]
    assert [row.price for row in rows] == [3_000 * WAD, 60_000 * WAD, 60_000 * WAD]
    assert [row.is_long for row in rows] == [True, True, False]
    assert all(row.ok and row.oracle_fresh for row in rows)
    assert rows[0].oracle_updated_at == eth_oracle.latestRoundData()[3]


# ---------------------------------------------------------------- one market's oracle in trouble


def test_get_states__eth_oracle_stale__eth_rows_flagged_status_none_btc_rows_fresh(funded_protocol, admin, chain):
    lens = funded_protocol["contracts"]["lens"]
    tokens = funded_protocol["contracts"]["tokens"]
    eth_oracle, btc_oracle = oracle_of(funded_protocol, "ETH"), oracle_of(funded_protocol, "BTC")
    # ETH -10 %: both ETH products leave their band, so a rebalance is due while the price is fresh
    eth_oracle.set_price(answer(2_700), sender=admin)
    eth_updated_at = chain.blocks.head.timestamp
    fresh_rows = {row.token: row for row in lens.get_states(list(tokens.values()))}
    for symbol in ("ETH3L", "ETH3S"):
        assert fresh_rows[tokens[symbol].address].oracle_fresh is True
        assert fresh_rows[tokens[symbol].address].status == Reason.BAND

    # an hour and a second later only BTC's feed is updated
    chain.pending_timestamp = eth_updated_at + ORACLE_MAX_AGE + 1
    btc_oracle.set_price(answer(60_000), sender=admin)
    rows = lens.get_states(list(tokens.values()))

    assert [row.token for row in rows] == [token.address for token in tokens.values()]
    ts = rows[0].timestamp
    assert ts == eth_updated_at + ORACLE_MAX_AGE + 1
    for (symbol, token), row in zip(tokens.items(), rows, strict=True):
        assert row.ok is True
        assert as_dict(row) == views_row(token, venue_of(funded_protocol, token), ts)
        if symbol.startswith("ETH"):
            assert row.oracle_fresh is False
            assert (row.status, row.size_delta) == (Reason.NONE, 0)
            assert (row.price, row.oracle_updated_at) == (2_700 * WAD, eth_updated_at)
            assert row.nav > 0 and row.supply > 0  # the rest of the row is still read
        else:
            assert row.oracle_fresh is True
            assert (row.price, row.oracle_updated_at) == (60_000 * WAD, ts)


@pytest.mark.parametrize("bad_answer", [0, -1, -answer(3_000)])
def test_get_states__eth_oracle_answer_not_positive__eth_rows_flagged_no_revert(
    funded_protocol, admin, chain, bad_answer
):
    lens = funded_protocol["contracts"]["lens"]
    tokens = funded_protocol["contracts"]["tokens"]
    eth_oracle = oracle_of(funded_protocol, "ETH")
    now = chain.blocks.head.timestamp + 1
    chain.pending_timestamp = now
    eth_oracle.set_round_data(bad_answer, now, 0, sender=admin)

    rows = lens.get_states(list(tokens.values()))

    assert [row.token for row in rows] == [token.address for token in tokens.values()]
    ts = rows[0].timestamp
    for (symbol, token), row in zip(tokens.items(), rows, strict=True):
        assert row.ok is True
        assert as_dict(row) == views_row(token, venue_of(funded_protocol, token), ts)
        if symbol.startswith("ETH"):
            assert (row.price, row.oracle_updated_at) == (0, now)
            assert row.oracle_fresh is False
            assert (row.status, row.size_delta) == (Reason.NONE, 0)
        else:
            assert row.oracle_fresh is True
            assert row.price == 60_000 * WAD
            assert row.status == token.rebalance_status()[0]


# ---------------------------------------------------------------- addresses that are not tokens


def test_get_states__non_token_addresses__ok_false_rows_others_intact(
    lens, funded_token, create_token, usdc, outsider, btc_venue
):
    btc3s = create_token(is_long=False)
    zero = "0x0000000000000000000000000000000000000000"
    addresses = [funded_token.address, usdc.address, outsider.address, lens.address, zero, btc3s.address]

    rows = lens.get_states(addresses)

    assert [row.token for row in rows] == addresses
    ts = rows[0].timestamp
    assert as_dict(rows[0]) == views_row(funded_token, btc_venue, ts)
    assert as_dict(rows[-1]) == views_row(btc3s, btc_venue, ts)
    assert rows[0].ok is True and rows[0].nav > 0
    assert rows[-1].ok is True
    for address, row in zip(addresses[1:-1], rows[1:-1], strict=True):
        assert as_dict(row) == failed_row(address)


# ---------------------------------------------------------------- insolvency


def test_get_states__btc3l_after_40pct_crash__insolvent_row_nav_zero_leverage_max(
    lens, funded_token, btc_venue, set_price
):
    set_price(36_000)

    row = lens.get_states([funded_token])[0]

    assert row.ok is True
    assert row.oracle_fresh is True
    assert row.price == 36_000 * WAD
    assert row.nav == 0 == funded_token.totalAssets()
    assert row.leverage == MAX
    assert (row.status, row.size_delta) == (Reason.NONE, 0)
    assert row.nav_per_share == 0
    assert row.supply > 0 and row.size > 0
    assert as_dict(row) == views_row(funded_token, btc_venue, row.timestamp)


# ---------------------------------------------------------------- one request, however many tokens


def _plain_web3_lens(project, chain, lens, chain_id_check=True):
    """The lens as a fresh web3.py client sees it, on ape's anvil, with every request counted.
    web3.py's default `validation` middleware asks the node for eth_chainId around every eth_call
    (a per-call client cost, whatever the calldata); `chain_id_check=False` drops it."""
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(chain.provider.uri))
    if not chain_id_check:
        w3.middleware_onion.remove("validation")
    requests = []
    make_request = w3.provider.make_request

    def counting(method, params):
        requests.append(method)
        return make_request(method, params)

    w3.provider.make_request = counting
    abi = [
        entry.model_dump(by_alias=True, mode="json", exclude_none=True)
        for entry in project.LeveragedTokenLens.contract_type.abi
    ]
    return w3.eth.contract(address=lens.address, abi=abi), requests


def test_get_states__6_and_50_tokens__one_rpc_request_each(project, chain, admin, factory, lens, create_market):
    # 50 products on 4 markets (each symbol on its own market: T0..T3, 2x-9x long and short)
    venues = {f"T{i}": create_market(f"T{i}") for i in range(4)}
    products = [(u, leverage, is_long) for u in venues for leverage in range(2, 10) for is_long in (True, False)][:50]
    tokens = [bare_token(project, admin, factory, u, leverage, is_long, venues[u]) for u, leverage, is_long in products]
    addresses = [token.address for token in tokens]

    measured = {}
    for chain_id_check in (False, True):
        web3_lens, requests = _plain_web3_lens(project, chain, lens, chain_id_check)
        for count in (6, 50):
            requests.clear()
            start = time.perf_counter()
            rows = web3_lens.functions.get_states(addresses[:count]).call()
            elapsed = time.perf_counter() - start
            measured[chain_id_check, count] = (list(requests), elapsed)
            assert [row[0] for row in rows] == addresses[:count]  # token, in order
            assert all(row[1] is True for row in rows)  # ok
            assert [row[10] for row in rows] == [p[1] * WAD for p in products[:count]]  # target_leverage

    for (chain_id_check, count), (methods, elapsed) in measured.items():
        client = "default web3.py" if chain_id_check else "web3.py without chain-id validation"
        print(f"\nget_states({count} tokens), {client}: {len(methods)} request(s) {methods}, {elapsed * 1000:.1f} ms")
    # the state itself: exactly one request, one eth_call, for 6 tokens as for 50
    assert measured[False, 6][0] == ["eth_call"]
    assert measured[False, 50][0] == ["eth_call"]
    # web3.py's own chain-id checks do not grow with the number of tokens either
    assert measured[True, 6][0] == measured[True, 50][0]
    assert measured[True, 50][0].count("eth_call") == 1


# ---------------------------------------------------------------- an address that burns all gas

# runtime code `JUMPDEST PUSH1 0 JUMP`: every call to it loops until it has burnt all its gas
GAS_BURNER_INITCODE = "0x635b6000566000526004601cf3"


def test_get_states__address_that_burns_all_gas__ok_false_row_call_does_not_revert(
    project, chain, admin, factory, lens, create_market
):
    """The docstring: "Nothing one token does can make the call revert". An address whose every
    call burns the gas it is given (a broken or hostile token or venue) must cost only its own row,
    whatever follows it in the list."""
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    burner = ContractContainer(
        ContractType(contractName="GasBurner", abi=[], deploymentBytecode={"bytecode": GAS_BURNER_INITCODE})
    ).deploy(sender=admin)
    venue = create_market("G")
    tokens = [
        bare_token(project, admin, factory, "G", leverage, is_long, venue)
        for leverage in range(2, 10)
        for is_long in (True, False)
    ]
    addresses = [burner.address] + [token.address for token in tokens]
    web3_lens, _requests = _plain_web3_lens(project, chain, lens, chain_id_check=False)

    rows = web3_lens.functions.get_states(addresses).call()  # anvil's eth_call gas: the 30M block limit

    assert [row[0] for row in rows] == addresses
    assert rows[0][1] is False
    assert all(row[1] is True for row in rows[1:])
