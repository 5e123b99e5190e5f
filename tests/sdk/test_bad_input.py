"""Bad input never sends a transaction: the SDK raises its typed error (ltsdk.errors) before the
first one, an approval included, and `ltsdk` prints one line on stderr and exits 2."""

import asyncio
import json
import re

import pytest
from eth_account import Account

from ltsdk import backtest, errors, math
from ltsdk.aio import AsyncProtocol
from ltsdk.calls import SendRaw
from ltsdk.client import account_from_env
from ltsdk.plans import ZERO_ADDRESS
from ltsdk.units import MAX_UINT256, USDC

MISSING = "/nonexistent/keystore.json"
# (arguments, the role whose key signs, extra environment, what the one line must say); "-m" runs a
# module's main instead of the console script's. The test deployment's --rpc and --manifest go last.
CLI_CASES = {
    "deposit-slippage-negative": (
        ("deposit", "BTC3L", "100", "--slippage-bps", "-1"),
        "depositor",
        {},
        "BadArgument: slippage_bps",
    ),
    "deposit-slippage-over-100-percent": (
        ("deposit", "BTC3L", "100", "--slippage-bps", "20000"),
        "depositor",
        {},
        "BadArgument: slippage_bps",
    ),
    "redeem-slippage-over-100-percent": (
        ("redeem", "BTC3L", "1", "--slippage-bps", "20000"),
        "depositor",
        {},
        "BadArgument: slippage_bps",
    ),
    "deposit-deadline-past": (("deposit", "BTC3L", "100", "--deadline", "-60"), "depositor", {}, "Expired"),
    "deposit-deadline-zero": (("deposit", "BTC3L", "100", "--deadline", "0"), "depositor", {}, "Expired"),
    "deposit-receiver-not-an-address": (
        ("deposit", "BTC3L", "100", "--receiver", "0x123"),
        "depositor",
        {},
        "BadReceiver",
    ),
    "deposit-min-shares-above-preview": (
        ("deposit", "BTC3L", "100", "--min-shares", "1000000"),
        "depositor",
        {},
        "SlippageExceeded",
    ),
    "first-deposit-short-after-fee-rounded-up": (
        ("deposit", "BTC3L", "1.001001"),
        "depositor",
        {},
        "FirstDepositTooSmall",
    ),
    "split-negative-factor": (("split", "BTC3L", "-3"), "admin", {}, "OutOfBounds"),
    "split-factor-not-a-number": (("split", "BTC3L", "ten"), "admin", {}, "whole number"),
    "keystore-unreadable": (("deposit", "BTC3L", "100"), None, {"LT_KEYSTORE": MISSING}, "BadAccount: LT_KEYSTORE"),
    "private-key-malformed": (
        ("deposit", "BTC3L", "100"),
        None,
        {"LT_PRIVATE_KEY": "0x1234"},
        "BadAccount: LT_PRIVATE_KEY",
    ),
    "no-key-for-a-write": (("deposit", "BTC3L", "100"), None, {}, "NoSigner"),
    "unknown-token": (("quote", "DOGE9L", "--deposit", "1"), None, {}, "unknown token"),
    "amount-not-a-number": (("quote", "BTC3L", "--deposit", "abc"), None, {}, "must be a number"),
    "amount-negative": (("deposit", "BTC3L", "-5"), "depositor", {}, "must be positive"),
    "amount-too-precise": (("quote", "BTC3L", "--deposit", "0.0000001"), None, {}, "at most 6 decimals"),
    "slippage-not-a-number": (("deposit", "BTC3L", "1", "--slippage-bps", "x"), "depositor", {}, "invalid int"),
    "backtest-days-negative": (("-m", "ltsdk.backtest", "--days", "-1"), None, {}, "BadArgument: a price path"),
    "backtest-leverage-zero": (("-m", "ltsdk.backtest", "--leverage", "0"), None, {}, "BadArgument: leverage"),
    "backtest-venue-unknown": (("backtest", "--venue", "foo"), None, {}, "invalid choice: 'foo'"),
    "backtest-async-fill-delay-zero": (
        ("backtest", "--venue", "async", "--fill-delay", "0"),
        None,
        {},
        "BadArgument: the fill delay is a positive number of seconds",
    ),
    "rpc-unreachable": (("status", "--rpc", "http://127.0.0.1:9"), None, {}, "cannot reach"),
    "manifest-missing": (("status", "--manifest", "/nonexistent/m.json"), None, {}, "cannot read manifest"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_bad_input__one_line_exit_two_and_no_transaction(
    case, ltsdk_in_process, manifest_file, rpc_url, accounts, depositor, user_protocol, nonce_of
):
    args, role, env, message = CLI_CASES[case]
    signer = {"depositor": depositor, "admin": accounts[0], None: depositor}[role]
    if role:
        env = {**env, "LT_PRIVATE_KEY": signer.private_key}
    module = None
    if args[0] == "-m":
        module, args = args[1], args[2:]
    # the deployment's options after the command's arguments, unless the case gives its own
    for option, value in (("--rpc", rpc_url), ("--manifest", str(manifest_file))):
        if option not in args:
            args = (*args, option, value)
    before = nonce_of(signer)

    main = {None: None, "ltsdk.backtest": backtest.main}[module]  # the console script's is ltsdk.cli's
    code, stdout, stderr = ltsdk_in_process(*args, env=env, main=main)

    assert code == 2, (stdout, stderr)
    assert len(stderr.splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert stderr.startswith("ltsdk: ") and message in stderr, stderr
    assert nonce_of(signer) == before  # nothing sent: no approval, no call


def test_cli_bad_input__json_error_is_one_json_line(cli, manifest_file, rpc_url, depositor, user_protocol, nonce_of):
    before = nonce_of(depositor)
    result = cli(
        "--json", "deposit", "btc3l", "100", "--slippage-bps", "-1", "--rpc", rpc_url, "--manifest", str(manifest_file),
        env={"LT_PRIVATE_KEY": depositor.private_key},
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    error = json.loads(line)
    assert error["error"] == "BadArgument" and "slippage_bps" in error["message"]
    assert nonce_of(depositor) == before


# ---------------------------------------------------------------- the SDK


def _recording(protocol):
    """The request types the protocol's node executes from now on."""
    seen = []
    execute = protocol.node.execute

    def record(request):
        seen.append(type(request))
        return execute(request)

    protocol.node.execute = record
    return seen


SDK_CASES = {
    "deposit-slippage-negative": (lambda t: t.deposit(100 * USDC, slippage_bps=-1), errors.BadArgument),
    "deposit-slippage-over-100-percent": (lambda t: t.deposit(100 * USDC, slippage_bps=20_000), errors.BadArgument),
    "deposit-deadline-past": (lambda t: t.deposit(100 * USDC, deadline_seconds=-60), errors.Expired),
    "deposit-deadline-zero": (lambda t: t.deposit(100 * USDC, deadline_seconds=0), errors.Expired),
    "deposit-receiver-not-an-address": (lambda t: t.deposit(100 * USDC, receiver="0x123"), errors.BadReceiver),
    "deposit-receiver-zero": (lambda t: t.deposit(100 * USDC, receiver=ZERO_ADDRESS), errors.BadReceiver),
    "deposit-receiver-the-token": (lambda t: t.deposit(100 * USDC, receiver=t.address), errors.BadReceiver),
    "deposit-min-shares-above-preview": (
        lambda t: t.deposit(100 * USDC, min_shares=10**30),
        errors.SlippageExceeded,
    ),
    "first-deposit-short-after-fee-rounded-up": (lambda t: t.deposit(1_001_001), errors.FirstDepositTooSmall),
    "mint-deadline-zero": (lambda t: t.mint(10**18, deadline_seconds=0), errors.Expired),
    "mint-slippage-negative": (lambda t: t.mint(10**18, slippage_bps=-1), errors.BadArgument),
    "redeem-slippage-over-100-percent": (lambda t: t.redeem(10**18, slippage_bps=20_000), errors.BadArgument),
    "redeem-owner-not-an-address": (lambda t: t.redeem(10**18, owner="0x12"), errors.BadArgument),
    "withdraw-receiver-zero": (lambda t: t.withdraw(USDC, receiver=ZERO_ADDRESS), errors.BadReceiver),
    "withdraw-deadline-zero": (lambda t: t.withdraw(USDC, deadline_seconds=0), errors.Expired),
}


@pytest.mark.parametrize("case", list(SDK_CASES))
def test_sdk_bad_input__typed_error_before_any_transaction(case, user_protocol, depositor, nonce_of):
    call, error = SDK_CASES[case]
    token = user_protocol.token("BTC3L")
    before = nonce_of(depositor)
    requests = _recording(user_protocol)

    with pytest.raises(error) as caught:
        call(token)

    assert isinstance(caught.value, ValueError)
    assert SendRaw not in requests
    assert nonce_of(depositor) == before


def test_sdk_split__negative_factor__out_of_bounds_before_sending(keeper_protocol, admin, nonce_of):
    before = nonce_of(admin)
    requests = _recording(keeper_protocol)
    with pytest.raises(errors.OutOfBounds):
        keeper_protocol.token("BTC3L").split(-3)
    assert not requests and nonce_of(admin) == before


def test_sdk_abi__unencodable_argument__bad_argument_before_any_request(user_protocol):
    requests = _recording(user_protocol)
    with pytest.raises(errors.BadArgument):
        user_protocol.token("BTC3L").transact("split", -3)
    assert SendRaw not in requests


def test_first_deposit__the_contracts_fee_rounding_decides(user_protocol, depositor, nonce_of, project):
    """The mint fee rounds up (lt_math._fee, ltsdk.math.fee): the least first deposit is the gross-up
    of MIN_INITIAL_ASSETS. One unit less is refused before the approval; that amount itself mints."""
    token = user_protocol.token("BTC3L")
    state = token.state()
    minimum = token.contract.functions.MIN_INITIAL_ASSETS().call()
    least = math.gross_up(minimum, state.mint_fee_bps)
    assert (
        state.supply == 0 and state.mint_fee_bps > 0 and least - 1 - math.fee(least - 1, state.mint_fee_bps) < minimum
    )
    before = nonce_of(depositor)
    with pytest.raises(errors.FirstDepositTooSmall, match=f"pay at least {least}"):
        token.deposit(least - 1)
    assert nonce_of(depositor) == before

    deposited = token.deposit(least)

    assert deposited.assets == least and deposited.shares > 0
    usdc = project.MockUSDC.at(user_protocol.manifest["collateral"])
    assert usdc.allowance(depositor, token.address) == 0  # the approval was for the amount exactly


def test_async_sdk__deadline_zero__expired_before_sending(manifest_file, rpc_url, depositor, user_protocol, nonce_of):
    before = nonce_of(depositor)

    async def scenario():
        async with AsyncProtocol.from_manifest(manifest_file, rpc_url, Account.from_key(depositor.private_key)) as p:
            await p.token("BTC3L").deposit(100 * USDC, deadline_seconds=0)

    with pytest.raises(errors.Expired):
        asyncio.run(scenario())
    assert nonce_of(depositor) == before


# ---------------------------------------------------------------- accounts from the environment


def test_account_from_env__malformed_key__names_the_variable_not_the_value(monkeypatch):
    monkeypatch.delenv("LT_KEYSTORE", raising=False)
    for bad in ("0x1234", "not-hex-" + "ab" * 28):
        monkeypatch.setenv("LT_PRIVATE_KEY", bad)
        with pytest.raises(errors.BadAccount, match="LT_PRIVATE_KEY") as caught:
            account_from_env()
        assert bad not in str(caught.value) and isinstance(caught.value, ValueError)


def test_account_from_env__keystore_unreadable_or_wrong_password__bad_account(monkeypatch, tmp_path, depositor):
    monkeypatch.delenv("LT_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("LT_KEYSTORE", MISSING)
    with pytest.raises(errors.BadAccount, match=re.escape(f"LT_KEYSTORE {MISSING} cannot be read")):
        account_from_env()
    keystore = tmp_path / "key.json"
    keystore.write_text(json.dumps(Account.encrypt(depositor.private_key, "right", iterations=2)))
    monkeypatch.setenv("LT_KEYSTORE", str(keystore))
    monkeypatch.setenv("LT_KEYSTORE_PASSWORD", "wrong")
    with pytest.raises(errors.BadAccount, match="LT_KEYSTORE_PASSWORD does not decrypt"):
        account_from_env()
    keystore.write_text("not json")
    with pytest.raises(errors.BadAccount, match="not a JSON keystore"):
        account_from_env()


def test_deposit__approve_max__leaves_the_maximum_allowance(user_protocol, depositor, project):
    token = user_protocol.token("BTC3L")
    token.deposit(1_000 * USDC, approve_max=True)
    usdc = project.MockUSDC.at(user_protocol.manifest["collateral"])
    assert usdc.allowance(depositor, token.address) == MAX_UINT256
