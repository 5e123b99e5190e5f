"""ltsdk.Protocol/Token against a local anvil: plain web3.py, the manifest, the lens, typed errors."""

import json

import pytest
from eth_account import Account

from ltsdk import Protocol, errors, math, plans
from ltsdk.abis import SHIPPED, load_abi
from ltsdk.codes import Reason
from ltsdk.errors import BadManifest, NoSigner, UnknownToken
from ltsdk.plans import DEFAULT_SLIPPAGE_BPS
from ltsdk.units import USDC, WAD


def test_shipped_abis__equal_the_compiled_contracts(project):
    for name in SHIPPED:
        compiled = [
            abi.model_dump(by_alias=True, mode="json", exclude_none=True)
            for abi in getattr(project, name).contract_type.abi
        ]
        assert json.dumps(load_abi(name), sort_keys=True) == json.dumps(compiled, sort_keys=True) or _same(
            load_abi(name), compiled
        ), name


def _same(shipped, compiled):
    def norm(entries):
        return sorted(json.dumps(entry, sort_keys=True) for entry in entries)

    return norm(shipped) == norm(compiled)


def test_states__every_token_in_one_call(user_protocol):
    states = user_protocol.states()
    assert set(states) == {"BTC3L", "BTC3S", "ETH3L", "ETH3S", "BTC5L", "BTC5S"}
    btc5l = states["BTC5L"]
    assert btc5l.ok and btc5l.oracle_fresh
    assert btc5l.target_x == 5 and btc5l.band_x == (model_band_x(5, 1_500))
    assert btc5l.nav_per_share_usd == 100 and btc5l.supply == 0


def model_band_x(leverage, band_bps):
    from decimal import Decimal

    lower, upper = math.band(leverage * WAD, band_bps)
    return Decimal(lower) / Decimal(WAD), Decimal(upper) / Decimal(WAD)


def test_deposit_then_redeem__results_decoded_from_events(user_protocol, depositor):
    btc3l = user_protocol.token("BTC3L")
    preview = btc3l.preview_deposit(1_000 * USDC)

    deposited = btc3l.deposit(1_000 * USDC)

    # a preview is exact in its block; the deposit lands in a later one (after the approval) and
    # NAV moves in between (fee, funding). Guaranteed: the slippage bound from the SDK's own
    # preview just before sending; here nothing else moves, so the result is within 1 ppm
    assert deposited.shares >= preview * (10_000 - DEFAULT_SLIPPAGE_BPS) // 10_000
    assert abs(deposited.shares - preview) <= preview // 10**6
    assert deposited.assets == 1_000 * USDC
    assert deposited.owner == depositor.address
    assert btc3l.balance_of(depositor.address) == deposited.shares
    state = btc3l.state()
    assert state.supply == deposited.shares + 10**15  # dead shares
    assert abs(state.leverage_x - 3) < 0.01

    half = deposited.shares // 2
    expected = btc3l.preview_redeem(half)
    withdrawn = btc3l.redeem(half)
    assert expected - 2 <= withdrawn.assets <= expected and withdrawn.shares == half
    assert btc3l.events("Deposit", from_block=0)[-1]["shares"] == deposited.shares


def test_mint_and_withdraw__exact_amounts(user_protocol, depositor):
    btc3l = user_protocol.token("BTC3L")
    btc3l.deposit(1_000 * USDC)
    minted = btc3l.mint(10**18)
    assert minted.shares == 10**18
    withdrawn = btc3l.withdraw(50 * USDC)
    assert withdrawn.assets == 50 * USDC


def test_write__bad_amount__raises_zero_amount_before_any_transaction(user_protocol):
    btc3l = user_protocol.token("BTC3L")
    for bad in (0, -1, 1.5, "100"):
        with pytest.raises(errors.ZeroAmount):
            btc3l.deposit(bad)


def test_write__revert__maps_to_typed_exception_before_sending(user_protocol, depositor, chain):
    btc3l = user_protocol.token("BTC3L")
    nonce = chain.provider.web3.eth.get_transaction_count(depositor.address)
    with pytest.raises(errors.FirstDepositTooSmall) as caught:
        btc3l.deposit(USDC // 2)  # below the first-mint minimum
    assert isinstance(caught.value, ValueError) and caught.value.reason == "lt: first deposit"
    btc3l.deposit(1_000 * USDC)
    with pytest.raises(errors.InsufficientBalance):
        btc3l.redeem(10**30)
    # the approval and the successful deposit were the only transactions sent
    assert chain.provider.web3.eth.get_transaction_count(depositor.address) == nonce + 2


def test_deposit__past_the_venue_depth__raises_slippage_before_sending(user_protocol, depositor, chain, project):
    """The cap (10M USDC) is not what binds a 3x BTC deposit here but the venue's depth at the
    fund's 50 bps price limit (~3.2M USDC): well above maxDeposit the SDK refuses before any
    approval; maxDeposit itself goes through."""
    btc3l = user_protocol.token("BTC3L")
    project.MockUSDC.at(user_protocol.manifest["collateral"]).mint(depositor, 9_000_000 * USDC, sender=depositor)
    btc3l.deposit(1_000 * USDC)
    nonce = chain.provider.web3.eth.get_transaction_count(depositor.address)
    with pytest.raises(errors.SlippageExceeded) as caught:
        btc3l.deposit(8_000_000 * USDC)
    assert caught.value.reason == "venue: slippage"
    assert chain.provider.web3.eth.get_transaction_count(depositor.address) == nonce
    most = btc3l.contract.functions.maxDeposit(depositor.address).call()
    assert 3_000_000 * USDC < most < 3_300_000 * USDC
    assert btc3l.deposit(most).shares > 0


def test_paused__deposit_raises_paused_and_redeem_works(user_protocol, keeper_protocol):
    btc3l = user_protocol.token("BTC3L")
    btc3l.deposit(1_000 * USDC)
    keeper_protocol.token("BTC3L").transact("pause")
    with pytest.raises(errors.Paused):
        btc3l.deposit(1_000 * USDC)
    assert btc3l.redeem(10**18).assets > 0
    assert user_protocol.states(["BTC3L"])["BTC3L"].paused


def test_configure__fee_cut_acts_at_once_and_a_rise_is_queued_and_typed_errors_map(user_protocol, keeper_protocol):
    """The admin's parameter changes go through the token's configurator: a fee cut acts at once,
    a rise is queued (its event carries the id), out-of-bounds and non-admin calls raise typed errors."""
    user_protocol.token("BTC3S").deposit(1_000 * USDC)
    admin_token = keeper_protocol.token("BTC3S")
    configurator = admin_token.configurator()

    admin_token.configure("set_fees", 5, 5, 100)
    receipt = admin_token.configure("set_fees", 20, 20, 100)

    contract = admin_token.contract.functions
    assert (contract.mint_fee_bps().call(), contract.management_fee_bps().call()) == (5, 100)
    (queued,) = configurator.events.ChangeQueued().process_receipt(receipt)
    assert configurator.functions.queued(queued["args"]["change_id"]).call()[-1] == queued["args"]["eta"]
    with pytest.raises(errors.OutOfBounds):
        admin_token.configure("set_fees", 101, 5, 100)
    with pytest.raises(errors.Unauthorized):
        user_protocol.token("BTC3S").configure("set_fees", 0, 0, 0)


def test_queued_change__decoded_too_early_to_execute_cancelled_then_unknown(user_protocol, keeper_protocol):
    """The queue's helpers: a rise's receipt decodes to its id, kind, values and eta (72 h or more
    ahead); executing it early raises ChangeTooEarly; the admin cancels it; it is then unknown."""
    user_protocol.token("BTC5S").deposit(1_000 * USDC)
    admin_token = keeper_protocol.token("BTC5S")

    receipt = admin_token.configure("set_fees", 30, 30, 400)

    change = admin_token.queued_change(receipt)
    assert change is not None
    assert (change.kind, change.values) == (1, (30, 30, 400, 0, 0))
    block = keeper_protocol.w3.eth.get_block(receipt["blockNumber"])
    assert change.eta - block["timestamp"] >= 3 * 86_400
    assert admin_token.queued_change(admin_token.configure("set_fees", 0, 0, 0)) is None  # a cut: at once
    with pytest.raises(errors.ChangeTooEarly):
        admin_token.execute_change(change.change_id)
    admin_token.cancel_change(change.change_id)
    with pytest.raises(errors.UnknownChange):
        admin_token.execute_change(change.change_id)
    with pytest.raises(errors.BadArgument):
        admin_token._run(plans.queue_call(keeper_protocol, "BTC5S", "configure", change.change_id, {}))
    with pytest.raises(errors.BadArgument):
        admin_token.execute_change("0x1234")


def test_keeper_calls__not_needed_and_unauthorized(user_protocol, keeper_protocol):
    user_protocol.token("BTC3L").deposit(1_000 * USDC)
    with pytest.raises(errors.NotNeeded):
        keeper_protocol.token("BTC3L").rebalance()
    with pytest.raises(errors.Unauthorized) as caught:
        user_protocol.token("BTC3L").split(10)
    assert isinstance(caught.value, PermissionError)


def test_rebalance_and_split__decoded(user_protocol, keeper_protocol, project, admin):
    user_protocol.token("BTC3L").deposit(1_000 * USDC)
    oracle = project.MockOracle.at(keeper_protocol.manifest["markets"]["BTC"]["oracle"])
    oracle.set_price(54_000 * 10**8, sender=admin)  # out of the band
    assert keeper_protocol.states(["BTC3L"])["BTC3L"].status_name == "band"

    rebalanced = keeper_protocol.token("BTC3L").rebalance()
    assert rebalanced.reason_name == "band" and rebalanced.size_after < rebalanced.size_before

    splitted = keeper_protocol.token("BTC3L").split(10)
    assert splitted.factor == 10 and not splitted.is_reverse
    assert splitted.nav_per_share_after == splitted.nav_per_share_before // 10


def test_stale_oracle__state_flags_it_and_writes_raise_stale_price(user_protocol, chain):
    user_protocol.token("BTC3L").deposit(1_000 * USDC)
    chain.pending_timestamp += 3_700
    chain.mine()
    state = user_protocol.states(["BTC3L"])["BTC3L"]
    assert not state.oracle_fresh and state.status == Reason.NONE
    with pytest.raises(errors.StalePrice):
        user_protocol.token("BTC3L").deposit(1_000 * USDC)


def test_no_signer__write_raises_no_signer(manifest_file, rpc_url, monkeypatch):
    monkeypatch.delenv("LT_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("LT_KEYSTORE", raising=False)
    protocol = Protocol.from_manifest(manifest_file, rpc_url)
    assert protocol.states()["BTC3L"].ok  # reads need no signer
    with pytest.raises(NoSigner):
        protocol.token("BTC3L").deposit(1_000 * USDC)


def test_account_from_env__private_key_and_keystore(manifest_file, rpc_url, monkeypatch, depositor, tmp_path):
    monkeypatch.setenv("LT_PRIVATE_KEY", depositor.private_key)
    assert Protocol.from_manifest(manifest_file, rpc_url).account.address == depositor.address
    monkeypatch.delenv("LT_PRIVATE_KEY")
    keystore = tmp_path / "key.json"
    keystore.write_text(json.dumps(Account.encrypt(depositor.private_key, "pw", iterations=2)))
    monkeypatch.setenv("LT_KEYSTORE", str(keystore))
    monkeypatch.setenv("LT_KEYSTORE_PASSWORD", "pw")
    assert Protocol.from_manifest(manifest_file, rpc_url).account.address == depositor.address


def test_unknown_token_and_bad_manifest__raise_value_errors(user_protocol, tmp_path):
    with pytest.raises(UnknownToken):
        user_protocol.token("DOGE9L")
    with pytest.raises(BadManifest):
        Protocol.from_manifest(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"tokens": {}}')
    with pytest.raises(BadManifest):
        Protocol.from_manifest(tmp_path / "bad.json")


def test_errors__every_contract_revert_string_is_mapped():
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "contracts" / "LeveragedToken.vy").read_text()
    source += (Path(__file__).resolve().parents[2] / "contracts" / "LeveragedTokenViews.vy").read_text()
    source += (Path(__file__).resolve().parents[2] / "contracts" / "LeveragedTokenConfigurator.vy").read_text()
    source += (Path(__file__).resolve().parents[2] / "contracts" / "LeveragedTokenFactory.vy").read_text()
    reasons = set(re.findall(r'(?:assert .*?|raise )"((?:lt|configurator|factory): [a-z ]+)"', source))
    assert {"factory: market", "factory: not active"} <= reasons
    assert reasons and reasons <= set(errors.REVERTS), reasons - set(errors.REVERTS)
    assert isinstance(errors.from_revert("venue: liquidity"), errors.VenueError)
    assert isinstance(errors.from_revert(None), errors.TransactionFailed)


def test_offline_quote__within_a_basis_point_of_the_exact_preview(user_protocol, project):
    from ltsdk import quote

    btc3l = user_protocol.token("BTC3L")
    btc3l.deposit(5_000 * USDC)
    venue_contract = project.MockPerpAdapter.at(user_protocol.manifest["markets"]["BTC"]["adapter"])
    venue = math.VenueParams(
        venue_contract.half_spread_bps(),
        venue_contract.taker_fee_bps(),
        venue_contract.depth(),
        venue_contract.ASSET_SCALE(),
    )
    state = btc3l.state()
    for assets in (10 * USDC, 1_234 * USDC, 40_000 * USDC):
        exact = btc3l.preview_deposit(assets)
        assert abs(quote.deposit_shares(state, assets, venue) - exact) * 10_000 <= exact
    for shares in (10**17, 10 * 10**18):
        exact = btc3l.preview_redeem(shares)
        assert abs(quote.redeem_assets(state, shares, venue) - exact) * 10_000 <= exact


def test_states__one_rpc_request_whatever_the_number_of_tokens(user_protocol):
    """Counts what goes over HTTP (web3's cache answers eth_chainId after the first call)."""
    sent = []
    provider = user_protocol.w3.provider
    original = provider._make_request

    def counting(method, request_data):
        sent.append(method)
        return original(method, request_data)

    user_protocol.states(["BTC3L"])  # the first call also learns the chain id
    provider._make_request = counting
    try:
        one = user_protocol.states(["BTC3L"])
        count_for_one = len(sent)
        sent.clear()
        six = user_protocol.states()
    finally:
        provider._make_request = original
    assert len(one) == 1 and len(six) == 6
    assert count_for_one == len(sent) == 1 and sent == ["eth_call"]
