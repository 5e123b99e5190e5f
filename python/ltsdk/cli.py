"""`ltsdk`: the command line over the SDK, for people (human units in and out, one-line errors, a
prompt before sending on a live network) and for scripts (--json).

    ltsdk status                              every token: NAV/share, leverage, band, status, next slot
    ltsdk quote btc3l --deposit 1000          what 1,000 USDC buys now: shares, fee, venue cost
    ltsdk deposit BTC3L 1000                  pay 1,000 USDC (exact approval, slippage, deadline)
    ltsdk redeem BTC3L 2.5                    redeem 2.5 shares
    ltsdk request-deposit BTC3LA 1000         asynchronous token: 1,000 USDC into the open round
    ltsdk request-redeem BTC3LA 2.5           asynchronous token: 2.5 shares into the open round
    ltsdk cancel-request BTC3LA deposit       while its round is open: the request back, exactly
    ltsdk claim BTC3LA deposit|redeem [AMT]   once its round has settled: the shares or the assets
    ltsdk close-round BTC3LA / settle BTC3LA  keeper / anyone: a round's close and its settlement
    ltsdk rebalance BTC3L                     keeper: rebalance if due
    ltsdk split BTC3L 10 [--reverse]          admin/keeper: split
    ltsdk configure BTC3L set_fees 10 10 365  admin: a parameter change (at once or queued)
    ltsdk execute BTC3L 0xID                  admin: apply a queued change after its delay
    ltsdk cancel BTC3L 0xID                   guardian/admin: drop a queued change
    ltsdk backtest --days 30 --png out/b.png  the reference model over a price path
    ltsdk faucet 10000 0xYOU                  mock USDC (local and test networks)
    ltsdk set-price BTC 65000                 a mock oracle's price, as the deployer
    ltsdk warp 1d                             anvil's clock a day on (oracles refreshed)
    ltsdk serve --port 8000                   the web dashboard (the `dashboard` extra)
    ltsdk index --db out/index.sqlite         follow the events and sample the lens into a database
    ltsdk venue-keeper 0xVENUE                an async mock venue's keeper: execute, expire orders

Options go before or after the command: --rpc URL (or LT_RPC_URL; default the local node of
`make node`, http://127.0.0.1:8545), --manifest PATH|NETWORK (default "local"; a manifest for
another chain id exits 2), --json. Writes sign with LT_PRIVATE_KEY, or LT_KEYSTORE and
LT_KEYSTORE_PASSWORD; reads need no key. Bad input prints one line on stderr and exits 2, before
anything is sent; a declined prompt exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NoReturn

from ltsdk import errors

if TYPE_CHECKING:
    from ltsdk.client import Protocol

EXIT_OK = 0
EXIT_FAILED = 1  # declined at the prompt (nothing sent), the node failed mid-way, or stdout closed early
EXIT_BAD_INPUT = 2  # refused before anything was sent
# chains where a write is sent without asking: anvil's and hardhat's default chain id
LOCAL_CHAIN_IDS = frozenset({31337})
SHARE_DECIMALS = 18
SHARE_PLACES = 6  # shares are printed to 6 decimals, rounded down
DEFAULTS = {"rpc": None, "manifest": "local", "json": False}  # the options accepted anywhere


class CliError(Exception):
    """A one-line message for the user; exit code 2."""


class Declined(Exception):
    """The user did not confirm a transaction: nothing was sent; exit code 1."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (exit 2) instead of a usage block."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see {self.prog} --help)")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str):
        super().__init__(prog, max_help_position=34)


# ---------------------------------------------------------------- units


def parse_amount(text: str, decimals: int, what: str) -> int:
    """A human decimal ("1000", "2.5", "1,000") as base units, exactly; no float anywhere."""
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise CliError(f"{what} must be a number, got {text!r}") from None
    if not value.is_finite():
        raise CliError(f"{what} must be a number, got {text!r}")
    scaled = value.scaleb(decimals)
    if scaled <= 0 or scaled != scaled.to_integral_value():
        raise CliError(f"{what} must be positive with at most {decimals} decimals, got {text!r}")
    return int(scaled)


def human(amount: int, decimals: int, places: int | None = None) -> str:
    """`amount` base units for people: thousands separated, rounded down (never more than there
    is). `places` None: every significant decimal, at least two (1,000.00; 1.001001)."""
    value = Decimal(amount).scaleb(-decimals)
    if places is None:
        exponent = value.normalize().as_tuple().exponent
        places = max(-exponent if isinstance(exponent, int) else 0, 2)
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return f"{rounded:,.{places}f}"


def shares_text(shares: int) -> str:
    return human(shares, SHARE_DECIMALS, SHARE_PLACES)


def _raw(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-friendly: integers as strings (they exceed 2**53)."""
    return {k: (str(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in data.items()}


# ---------------------------------------------------------------- the SDK session


class Session:
    """What a command works with: the protocol, the collateral's symbol and decimals."""

    def __init__(self, protocol: Protocol):
        self.protocol = protocol
        self.decimals = protocol.asset_decimals
        self._asset_symbol: str | None = None

    @property
    def asset_symbol(self) -> str:
        if self._asset_symbol is None:
            self._asset_symbol = str(self.protocol.collateral.functions.symbol().call())
        return self._asset_symbol

    def assets_text(self, amount: int) -> str:
        return f"{human(amount, self.decimals)} {self.asset_symbol}"

    def symbol(self, text: str) -> str:
        """The manifest's symbol for `text`, whatever its case ("btc3l" -> "BTC3L")."""
        by_upper = {symbol.upper(): symbol for symbol in self.protocol.addresses}
        symbol = by_upper.get(text.upper(), text)
        self.protocol.address_of(symbol)  # UnknownToken, naming the known symbols
        return symbol

    def confirm(self, args: argparse.Namespace, action: str) -> None:
        """Ask before sending `action` on a chain that is not local (the node's chain id), unless
        --yes. Anything but "y"/"yes" (an empty line, end of input) declines."""
        chain_id = self.protocol.w3.eth.chain_id
        if args.yes or chain_id in LOCAL_CHAIN_IDS:
            return
        signer = self.protocol.signer().address
        print(f"{action}, on chain {chain_id}, signed by {signer}. Send? [y/N] ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Declined("declined: nothing was sent")


def session(args: argparse.Namespace, signer: bool = False) -> Session:
    """The SDK over the manifest and RPC of `args`. Only a command that sends (`signer`) loads the
    account from the environment: reads need no key, and a broken one does not stop them."""
    from web3.exceptions import Web3Exception

    from ltsdk import manifest as manifests
    from ltsdk.client import Protocol, account_from_env, http_web3, node_url

    rpc_url = node_url(args.rpc)
    manifest = manifests.load(args.manifest)
    account = account_from_env() if signer else None
    if signer and account is None:
        raise errors.NoSigner(
            "this command sends a transaction: set LT_PRIVATE_KEY, or LT_KEYSTORE and LT_KEYSTORE_PASSWORD"
        )
    protocol = Protocol(http_web3(rpc_url), manifest, account)
    try:
        _ = protocol.w3.eth.chain_id  # fail fast without a node
    except (OSError, Web3Exception) as exc:
        raise CliError(f"cannot reach the RPC at {rpc_url}: {exc}") from None
    return Session(protocol)


# ---------------------------------------------------------------- commands


def _fmt_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


def _status_controller(args: argparse.Namespace) -> str | None:
    """Whose requests `status` shows: --controller, else the account of LT_PRIVATE_KEY/LT_KEYSTORE
    when one loads (a read never fails on a broken key), else nobody."""
    from ltsdk import plans
    from ltsdk.client import account_from_env

    if args.controller is not None:
        return plans.check_address(args.controller, "--controller")
    try:
        account = account_from_env()
    except errors.BadAccount:
        return None
    return None if account is None else account.address


def _async_states(s: Session, states: dict[str, Any]) -> dict[str, Any]:
    """The asynchronous tokens among `states` (rows of kind "async"), each read in full with its
    rounds (AsyncTokenState)."""
    from ltsdk.codes import TokenKind

    return {
        symbol: s.protocol.token(symbol).async_state()
        for symbol, state in states.items()
        if state.kind == TokenKind.ASYNC
    }


def _round_text(s: Session, symbol: str, state: Any) -> str:
    opened = state.open_round
    text = f"open #{opened.round_id}: {s.assets_text(opened.deposits)} in, {shares_text(opened.redeems)} out"
    flight = state.flight_round
    text += (
        " | nothing in flight"
        if flight is None
        else f" | in flight #{flight.round_id} order {flight.order_id}: {flight.order_status_name}"
        + (" (payout)" if flight.status_name == "paying" else "")
    )
    closes = "now" if state.seconds_to_close == 0 else f"in {state.seconds_to_close} s"
    return text + f" | close {closes}"


def _requests_text(s: Session, symbol: str, r: Any) -> str:
    return (
        f"  {r.controller}: deposit pending {s.assets_text(r.pending_deposit)}, claimable"
        f" {s.assets_text(r.claimable_deposit)} ({shares_text(r.claimable_shares)} {symbol}); redeem pending"
        f" {shares_text(r.pending_redeem)} {symbol}, claimable {shares_text(r.claimable_redeem)} {symbol}"
        f" ({s.assets_text(r.claimable_assets)})"
    )


def cmd_status(args: argparse.Namespace) -> None:
    sess = session(args)
    controller = _status_controller(args)
    states = sess.protocol.states(asynchronous=True)
    asynchronous = _async_states(sess, states)
    requests = {}
    if controller is not None:
        requests = {symbol: sess.protocol.token(symbol).requests(controller) for symbol in asynchronous}
    if args.json:
        data = {}
        for symbol, state in states.items():
            data[symbol] = asynchronous.get(symbol, state).as_dict()
            if symbol in requests:
                data[symbol]["requests"] = _raw(asdict(requests[symbol]))
        print(json.dumps(data, indent=2))
        return
    header = (
        f"{'token':7} {'NAV/share':>10} {'NAV':>14} {'leverage':>9} {'band':>13} {'status':>9} {'oracle':>7}"
        f" {'next slot (UTC)':>17}"
    )
    print(header)
    print("-" * len(header))
    for symbol, s in states.items():
        if symbol in asynchronous:
            continue  # in the table of its own, below
        if not s.ok:
            print(f"{symbol:7} (unreadable)")
            continue
        leverage = "empty" if s.supply == 0 else "insolvent" if s.leverage_x is None else f"{s.leverage_x:.3f}x"
        lower, upper = s.band_x
        print(
            f"{symbol:7} {s.nav_per_share_usd:>10.4f} {s.nav_usd:>14,.2f} {leverage:>9}"
            f" {f'{lower:.2f}-{upper:.2f}x':>13}"
            f" {s.status_name:>9} {'fresh' if s.oracle_fresh else 'STALE':>7} {_fmt_time(s.next_slot):>17}"
        )
    if asynchronous:
        _print_async_status(sess, asynchronous, requests)


def _print_async_status(s: Session, asynchronous: dict[str, Any], requests: dict[str, Any]) -> None:
    print()
    print("asynchronous tokens (ERC-7540 requests, settled in rounds at the venue's fill)")
    header = f"{'token':7} {'NAV/share':>10} {'NAV':>14} {'leverage':>9} {'oracle':>7}  rounds"
    print(header)
    print("-" * len(header))
    for symbol, state in asynchronous.items():
        lev = state.leverage_x
        leverage = "empty" if state.supply == 0 else "insolvent" if lev is None else f"{lev:.3f}x"
        nav = Decimal(state.nav).scaleb(-s.decimals)
        print(
            f"{symbol:7} {state.nav_per_share_usd:>10.4f} {nav:>14,.2f} {leverage:>9}"
            f" {'fresh' if state.oracle_fresh else 'STALE':>7}  {_round_text(s, symbol, state)}"
            + (" (paused)" if state.paused else "")
        )
        if symbol in requests:
            print(_requests_text(s, symbol, requests[symbol]))


def cmd_quote(args: argparse.Namespace) -> None:
    from ltsdk import quote

    s = session(args)
    symbol = s.symbol(args.symbol)
    token = s.protocol.token(symbol)
    from ltsdk.codes import TokenKind

    if token.kind() == TokenKind.ASYNC:
        _quote_async(args, s, symbol)
        return
    state = token.state()
    if args.deposit is not None:
        assets = parse_amount(args.deposit, s.decimals, "amount")
        shares = token.preview_deposit(assets)
        breakdown = quote.mint_breakdown(state, assets, shares)
        line = f"{s.assets_text(assets)} -> {shares_text(shares)} {symbol}"
        fee_name = "mint fee"
    else:
        shares = parse_amount(args.redeem, SHARE_DECIMALS, "shares")
        assets = token.preview_redeem(shares)
        breakdown = quote.redeem_breakdown(state, shares, assets)
        line = f"{shares_text(shares)} {symbol} -> {s.assets_text(assets)}"
        fee_name = "redeem fee"
    if args.json:
        data = {"symbol": symbol, "assets": assets, "shares": shares, "nav_per_share": state.nav_per_share}
        data.update(fee=breakdown.fee, locked=breakdown.locked, venue_cost=breakdown.venue_cost, text=line)
        print(json.dumps(_raw(data)))
        return
    print(line)
    print(f"  {'NAV per share':16} {s.assets_text(state.nav_per_share)}")
    rows = [(fee_name, breakdown.fee, "the token's fee")]
    if breakdown.locked:
        rows.append(("first-mint lock", breakdown.locked, "0.001 share locked forever by the first mint"))
    rows.append(("venue cost", breakdown.venue_cost, "the venue's fee, spread and price impact"))
    for name, amount, what in rows:
        print(f"  {name:16} {s.assets_text(amount)} ({breakdown.bps(amount):.1f} bps: {what})")


def _quote_async(args: argparse.Namespace, s: Session, symbol: str) -> None:
    """An asynchronous token has no preview (ERC-7540): the round model's estimate, said so."""
    token = s.protocol.token(symbol)
    if args.deposit is not None:
        estimate = token.estimate_deposit(parse_amount(args.deposit, s.decimals, "amount"))
        line = f"{s.assets_text(estimate.amount_in)} -> ~{shares_text(estimate.estimated_out)} {symbol}"
        at_nav, fee_name = f"{shares_text(estimate.at_nav)} {symbol}", "mint fee"
    else:
        estimate = token.estimate_redeem(parse_amount(args.redeem, SHARE_DECIMALS, "shares"))
        line = f"{shares_text(estimate.amount_in)} {symbol} -> ~{s.assets_text(estimate.estimated_out)}"
        at_nav, fee_name = s.assets_text(estimate.at_nav), "redeem fee"
    if args.json:
        print(json.dumps(_raw(dict(asdict(estimate), symbol=symbol, text=line))))
        return
    price = human(estimate.price, SHARE_DECIMALS, 2)
    print(f"ESTIMATE, not a preview (an asynchronous token has none): {line}")
    print(f"  if the open round closed now and filled at the oracle price {price} (block {estimate.block})")
    print(f"  {'at NAV':16} {at_nav} (before any cost)")
    print(f"  {fee_name:16} {s.assets_text(estimate.fee)} (the token's fee)")
    print(f"  {'round cost':16} {s.assets_text(estimate.round_cost)} (its part of the round order's fee and impact)")
    print("  the real result is the round's fill: its price, funding and the other requests move it")


def _print_result(args: argparse.Namespace, result: Any, text: str) -> None:
    if args.json:
        print(json.dumps(_raw(asdict(result))))
    else:
        print(text)
        print(f"  tx {result.tx_hash} (gas {result.gas_used:,})")


def _check_user_write(s: Session, symbol: str, args: argparse.Namespace) -> None:
    """The SDK's own argument checks, run before the prompt: bad input is refused without asking."""
    from ltsdk import plans

    plans.check_slippage(args.slippage_bps)
    plans.check_deadline(args.deadline)
    plans.check_receiver(s.protocol, symbol, args.receiver)


def cmd_deposit(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    assets = parse_amount(args.amount, s.decimals, "amount")
    min_shares = None if args.min_shares is None else parse_amount(args.min_shares, SHARE_DECIMALS, "--min-shares")
    _check_user_write(s, symbol, args)
    s.confirm(args, f"deposit {s.assets_text(assets)} into {symbol}")
    result = s.protocol.token(symbol).deposit(
        assets,
        receiver=args.receiver,
        slippage_bps=args.slippage_bps,
        deadline_seconds=args.deadline,
        min_shares=min_shares,
        approve_max=args.approve_max,
    )
    text = f"deposited {s.assets_text(result.assets)} -> {shares_text(result.shares)} {symbol} to {result.owner}"
    _print_result(args, result, text)


def cmd_redeem(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    shares = parse_amount(args.shares, SHARE_DECIMALS, "shares")
    min_assets = None if args.min_assets is None else parse_amount(args.min_assets, s.decimals, "--min-assets")
    _check_user_write(s, symbol, args)
    s.confirm(args, f"redeem {shares_text(shares)} {symbol}")
    result = s.protocol.token(symbol).redeem(
        shares,
        receiver=args.receiver,
        slippage_bps=args.slippage_bps,
        deadline_seconds=args.deadline,
        min_assets=min_assets,
    )
    text = f"redeemed {shares_text(result.shares)} {symbol} -> {s.assets_text(result.assets)} to {result.receiver}"
    _print_result(args, result, text)


def _check_addresses(args: argparse.Namespace, *names: str) -> None:
    """The address options given (`--controller`, `--owner`, `--receiver`), checked before the prompt."""
    from ltsdk import plans

    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            plans.check_address(value, "receiver" if name == "receiver" else f"--{name}")


SETTLES = " (claimable once its round settles: `ltsdk claim`)"


def cmd_request_deposit(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    assets = parse_amount(args.amount, s.decimals, "amount")
    _check_addresses(args, "controller", "owner")
    s.confirm(args, f"request a deposit of {s.assets_text(assets)} into {symbol}")
    result = s.protocol.token(symbol).request_deposit(
        assets, controller=args.controller, owner=args.owner, approve_max=args.approve_max
    )
    text = f"requested {s.assets_text(result.amount)} into {symbol} for {result.controller}" + SETTLES
    _print_result(args, result, text)


def cmd_request_redeem(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    shares = parse_amount(args.shares, SHARE_DECIMALS, "shares")
    _check_addresses(args, "controller", "owner")
    s.confirm(args, f"request a redemption of {shares_text(shares)} {symbol}")
    result = s.protocol.token(symbol).request_redeem(shares, controller=args.controller, owner=args.owner)
    text = f"requested {shares_text(result.amount)} {symbol} out for {result.controller}" + SETTLES
    _print_result(args, result, text)


def cmd_cancel_request(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    _check_addresses(args, "controller")
    s.confirm(args, f"cancel the pending {args.side} request on {symbol}")
    token = s.protocol.token(symbol)
    cancel = token.cancel_deposit_request if args.side == "deposit" else token.cancel_redeem_request
    result = cancel(controller=args.controller)
    amount = s.assets_text(result.amount) if args.side == "deposit" else f"{shares_text(result.amount)} {symbol}"
    _print_result(args, result, f"cancelled: {amount} back to {result.controller}")


def cmd_claim(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    deposit = args.side == "deposit"
    amount = None
    if args.amount is not None:
        amount = parse_amount(args.amount, s.decimals if deposit else SHARE_DECIMALS, "amount")
    _check_addresses(args, "controller", "receiver")
    s.confirm(args, f"claim the settled {args.side} requests on {symbol}")
    token = s.protocol.token(symbol)
    if deposit:
        got = token.claim_deposit(amount, receiver=args.receiver, controller=args.controller)
        text = f"claimed {shares_text(got.shares)} {symbol} for {s.assets_text(got.assets)} requested, to {got.owner}"
    else:
        out = token.claim_redeem(amount, receiver=args.receiver, controller=args.controller)
        text = f"claimed {s.assets_text(out.assets)} for {shares_text(out.shares)} {symbol}, to {out.receiver}"
        got = out
    _print_result(args, got, text)


def cmd_close_round(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    s.confirm(args, f"close {symbol}'s open round (fronting the venue's execution fee)")
    result = s.protocol.token(symbol).close_round()
    text = (
        f"closed round #{result.round_id} of {symbol}: order {result.order_id},"
        f" {s.assets_text(result.deposits)} in, {shares_text(result.redeems)} {symbol} out"
    )
    _print_result(args, result, text)


def cmd_settle(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    s.confirm(args, f"settle {symbol}'s round in flight")
    result = s.protocol.token(symbol).settle()
    _print_result(args, result, f"round #{result.round_id} of {symbol}: {result.status_name}")


def _leverage(wad: int) -> str:
    return f"{human(wad, SHARE_DECIMALS, 3)}x"


def cmd_rebalance(args: argparse.Namespace) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    s.confirm(args, f"rebalance {symbol}")
    result = s.protocol.token(symbol).rebalance()
    text = (
        f"rebalanced {symbol} ({result.reason_name}): leverage {_leverage(result.leverage_before)} ->"
        f" {_leverage(result.leverage_after)}, size {human(result.size_before, SHARE_DECIMALS, 6)} ->"
        f" {human(result.size_after, SHARE_DECIMALS, 6)}"
    )
    _print_result(args, result, text)


def cmd_split(args: argparse.Namespace) -> None:
    try:
        factor = int(args.factor)
    except ValueError:
        raise CliError(f"factor must be a whole number, got {args.factor!r}") from None
    from ltsdk import plans

    plans.check_factor(factor)
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    s.confirm(args, f"{'reverse-' if args.reverse else ''}split {symbol} by {factor}")
    result = s.protocol.token(symbol).split(factor, reverse=args.reverse)
    text = (
        f"{'reverse-' if result.is_reverse else ''}split {symbol} by {result.factor}: NAV per share"
        f" {s.assets_text(result.nav_per_share_before)} -> {s.assets_text(result.nav_per_share_after)}"
    )
    _print_result(args, result, text)


def _setters() -> dict[str, int]:
    """The configurator's one-group setters and how many values each takes after the token (from
    its ABI; `set_parameters`, the factory's whole-struct set-up, is not one)."""
    from ltsdk.abis import load_abi

    return {
        item["name"]: len(item["inputs"]) - 1
        for item in load_abi("LeveragedTokenConfigurator")
        if item.get("type") == "function"
        and item["name"].startswith("set_")
        and all(i["type"] in ("uint256", "address") for i in item["inputs"])
    }


def _raw_value(text: str) -> int | str:
    """A setter value in the contract's own units: a whole number (assets in base units, leverage
    in WAD, bps, seconds) or a 0x address."""
    if text.lower().startswith("0x"):
        from web3 import Web3

        if not Web3.is_address(text):
            raise CliError(f"not an address: {text!r}")
        return Web3.to_checksum_address(text)
    try:
        value = int(text)
    except ValueError:
        raise CliError(
            f"a setter value is a whole number in the contract's units or an address, got {text!r}"
        ) from None
    if value < 0:
        raise CliError(f"a setter value is not negative, got {text!r}")
    return value


def _tx_hash(receipt: Any) -> str:
    from web3 import Web3

    return Web3.to_hex(receipt["transactionHash"])


def _change_text(change: Any) -> str:
    eta = datetime.fromtimestamp(change.eta, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"queued {change.change_id}: executable from {eta} (for 14 days)"


def cmd_configure(args: argparse.Namespace) -> None:
    setters = _setters()
    if args.setter not in setters:
        raise CliError(f"unknown setter {args.setter!r}; one of {', '.join(sorted(setters))}")
    if len(args.values) != setters[args.setter]:
        raise CliError(f"{args.setter} takes {setters[args.setter]} value(s), got {len(args.values)}")
    values = [_raw_value(v) for v in args.values]
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    s.confirm(args, f"{args.setter}{tuple(values)} on {symbol}")
    token = s.protocol.token(symbol)
    receipt = token.configure(args.setter, *values)
    change = token.queued_change(receipt)
    tx_hash, gas = _tx_hash(receipt), receipt["gasUsed"]
    if args.json:
        queued = None if change is None else _raw({"change_id": change.change_id, "eta": change.eta})
        print(json.dumps(_raw({"tx_hash": tx_hash, "gas_used": gas, "queued": queued})))
        return
    print(f"{args.setter} on {symbol}: " + ("acted at once" if change is None else _change_text(change)))
    print(f"  tx {tx_hash} (gas {gas:,})")


def _queue_command(args: argparse.Namespace, name: str) -> None:
    s = session(args, signer=True)
    symbol = s.symbol(args.symbol)
    s.confirm(args, f"{name} change {args.change_id} of {symbol}")
    token = s.protocol.token(symbol)
    receipt = (token.execute_change if name == "execute" else token.cancel_change)(args.change_id)
    tx_hash, gas = _tx_hash(receipt), receipt["gasUsed"]
    if args.json:
        print(json.dumps(_raw({"tx_hash": tx_hash, "gas_used": gas})))
        return
    print(f"{'executed' if name == 'execute' else 'cancelled'} {args.change_id} of {symbol}")
    print(f"  tx {tx_hash} (gas {gas:,})")


def cmd_execute(args: argparse.Namespace) -> None:
    _queue_command(args, "execute")


def cmd_cancel(args: argparse.Namespace) -> None:
    _queue_command(args, "cancel")


def cmd_backtest(args: argparse.Namespace) -> None:
    from ltsdk import backtest, rounds_backtest
    from ltsdk.prices import PricePath, generate_prices

    given = {"round_interval": args.round_interval, "fill_delay": args.fill_delay}
    policy = rounds_backtest.RoundPolicy(**{k: v for k, v in given.items() if v is not None})
    crowd = rounds_backtest.Crowd(seed=args.seed)
    if args.requests_per_day is not None:
        crowd = rounds_backtest.Crowd(requests_per_day=args.requests_per_day, seed=args.seed)
    if args.venue == "async":  # checked before the path is built
        policy.check()
        crowd.check()
    prices = (
        PricePath.from_csv(args.csv)
        if args.csv
        else generate_prices(args.days, args.step, annual_volatility=args.volatility, seed=args.seed)
    )
    result = backtest.run(prices, leverage=args.leverage, is_long=not args.short)
    summary = result.summary()
    if args.png:
        summary["chart"] = str(result.plot(args.png))
    if args.venue == "sync":
        _print_summary(args, summary)
        return
    rounds = rounds_backtest.run(prices, leverage=args.leverage, is_long=not args.short, policy=policy, crowd=crowd)
    if args.json:
        data = {"sync": summary, "async": rounds.summary()}
        print(json.dumps({venue: _json_summary(s) for venue, s in data.items()}, indent=2))
        return
    print("sync venue (one deposit, rebalanced by the keeper):")
    _print_summary(args, summary)
    print(
        f"\nasync venue (requests netted per {policy.round_interval} s round, filled {policy.fill_delay} s later;"
        " no rebalance between rounds):"
    )
    _print_summary(args, rounds.summary())
    print("\nnetting: each round's one venue order vs each request as an order of its own (USDC)")
    print(rounds_backtest.netting_table(rounds))


def _json_summary(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, dict | int) else str(v)) for k, v in summary.items()}


def _print_summary(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(_json_summary(summary), indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:24} {value}")


# ---------------------------------------------------------------- mock helpers (local and test networks)
# `faucet`, `set-price`, `warp`: ltsdk.mocks over the deployment's mock collateral, oracles and
# anvil's clock. Signed with LT_PRIVATE_KEY/LT_KEYSTORE if set (asking first off a local chain,
# as every write does), else sent from the node's unlocked account 0 (a dev node's: anvil's, the
# local deployer).


def cmd_serve(args: argparse.Namespace) -> None:
    try:
        from ltsdk.dashboard import Settings, serve
    except ImportError as exc:
        raise CliError(f"the dashboard needs the `dashboard` extra (pip install 'ltsdk[dashboard]'): {exc}") from None
    settings = Settings(manifest=args.manifest, rpc_url=args.rpc, index=args.index, keeper_metrics=args.keeper_metrics)
    session(args)  # the node answers and the manifest is its chain's, or one line and exit 2
    print(f"dashboard at http://{args.host}:{args.port}/", flush=True)
    serve(settings, args.host, args.port)


def _mock_session(args: argparse.Namespace, action: str) -> Session:
    from ltsdk.client import account_from_env

    sess = session(args)
    sess.protocol.account = account_from_env()
    if sess.protocol.account is not None:
        sess.confirm(args, action)
    return sess


def cmd_faucet(args: argparse.Namespace) -> None:
    from web3 import Web3

    from ltsdk import mocks

    if args.address is not None and not Web3.is_address(args.address):
        raise CliError(f"ADDRESS must be a 0x-prefixed 20-byte address, got {args.address!r}")
    sess = _mock_session(args, f"mint {args.amount} mock collateral to {args.address or 'the signer'}")
    protocol = sess.protocol
    receiver = args.address or (protocol.account.address if protocol.account else None)
    if receiver is None:
        raise CliError("faucet needs an ADDRESS (or LT_PRIVATE_KEY, to fund its account)")
    assets = parse_amount(args.amount, sess.decimals, "amount")
    balance = mocks.faucet(protocol.w3, protocol.manifest, protocol.account, receiver, assets)
    print(
        json.dumps(_raw({"receiver": receiver, "balance": balance}))
        if args.json
        else f"{receiver}: {sess.assets_text(balance)}"
    )


def cmd_set_price(args: argparse.Namespace) -> None:
    from ltsdk import mocks

    try:
        usd = Decimal(args.price.replace(",", ""))
    except InvalidOperation:
        raise CliError(f"price must be a number, got {args.price!r}") from None
    market = args.market.upper()
    sess = _mock_session(args, f"set the {market} mock oracle to {usd} USD")
    protocol = sess.protocol
    answer = mocks.set_price(protocol.w3, protocol.manifest, protocol.account, market, usd)
    print(json.dumps(_raw({"market": market, "answer": answer})) if args.json else f"{market} = {usd} USD")


def cmd_warp(args: argparse.Namespace) -> None:
    from ltsdk import mocks

    seconds = mocks.parse_duration(args.duration)
    sess = _mock_session(args, f"move the clock {seconds} s on and re-post the oracles")
    protocol = sess.protocol
    timestamp = mocks.warp(protocol.w3, protocol.manifest, protocol.account, seconds, refresh=not args.no_refresh)
    text = f"chain time {_fmt_time(timestamp)} UTC (+{seconds} s)"
    print(json.dumps({"timestamp": timestamp}) if args.json else text)


def cmd_index(args: argparse.Namespace) -> None:
    try:
        from ltsdk.index import db
        from ltsdk.index.indexer import Indexer, Settings
    except ImportError as exc:
        raise CliError(f"ltsdk index needs the 'index' extra (pip install 'ltsdk[index]'): {exc}") from None
    import logging

    from ltsdk import manifest as manifests

    for name in ("interval", "confirmations", "batch"):
        if getattr(args, name) < (1 if name == "batch" else 0):
            raise CliError(f"--{name} must be {'positive' if name == 'batch' else 'zero or more'}")
    protocol = session(args).protocol
    manifests.check_chain(protocol.manifest, protocol.w3.eth.chain_id, protocol.w3.eth.get_code(protocol.lens_address))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per migration context otherwise
    _, sessions = db.open_database(args.db)
    settings = Settings(
        confirmations=args.confirmations,
        sample_interval=args.interval,
        batch_blocks=args.batch,
        start_block=args.from_block,
    )
    indexer = Indexer(protocol.w3, protocol.manifest, sessions, settings)
    if args.once:
        result = indexer.step()
        text = f"indexed to block {result.to_block}: {result.logs} logs, {result.samples} samples"
        print(json.dumps(asdict(result)) if args.json else text)
        return
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: every whole batch is stored
        indexer.run(poll_seconds=args.poll)


def cmd_venue_keeper(args: argparse.Namespace) -> None:
    import logging

    from web3 import Web3
    from web3.exceptions import Web3Exception

    from ltsdk.client import DEFAULT_RPC, account_from_env, http_web3
    from ltsdk.venue_keeper import VenueKeeper, VenuePolicy, parse_shard

    if not Web3.is_address(args.venue):
        raise CliError(f"VENUE must be a 0x-prefixed 20-byte address, got {args.venue!r}")
    if not args.interval > 0:
        raise CliError(f"--interval must be positive, got {args.interval}")
    if args.ticks is not None and args.ticks < 1:
        raise CliError(f"--ticks must be at least 1, got {args.ticks}")
    if args.from_order < 1:
        raise CliError(f"--from-order must be at least 1 (ids start at 1), got {args.from_order}")
    try:
        shard, shards = parse_shard(args.shard)
    except ValueError as exc:
        raise CliError(f"--shard: {exc}") from None
    if args.takeover is not None and args.takeover < 0:
        raise CliError(f"--takeover must be zero or more seconds, got {args.takeover}")
    takeover = VenuePolicy.takeover_seconds if args.takeover is None else args.takeover
    policy = VenuePolicy(poll_seconds=args.interval, shards=shards, shard=shard, takeover_seconds=takeover)
    account = account_from_env()
    if account is None:
        raise errors.NoSigner(
            "the venue keeper sends transactions: set LT_PRIVATE_KEY, or LT_KEYSTORE and LT_KEYSTORE_PASSWORD"
        )
    rpc_url = args.rpc or os.environ.get("LT_RPC_URL", DEFAULT_RPC)
    w3 = http_web3(rpc_url)
    keeper = VenueKeeper(w3, args.venue, account, policy, args.from_order)
    try:
        chain_id = w3.eth.chain_id
        has_code = bool(w3.eth.get_code(keeper.venue))
    except (OSError, Web3Exception) as exc:
        raise CliError(f"cannot reach the RPC at {rpc_url}: {exc}") from None
    if not has_code:
        raise CliError(f"no contract at {keeper.venue} on chain {chain_id}")
    try:
        is_keeper = keeper.is_order_keeper()
        keeper.read("next_order_id")
    except (errors.LtError, Web3Exception) as exc:
        raise CliError(f"{keeper.venue} is not an asynchronous venue (MockAsyncPerpVenue): {exc}") from None
    if not is_keeper:
        raise CliError(f"{account.address} is not an order keeper of {keeper.venue} (its owner calls set_order_keeper)")
    if not (args.yes or chain_id in LOCAL_CHAIN_IDS):
        print(
            f"keep venue {keeper.venue} on chain {chain_id}, signed by {account.address}. Start? [y/N] ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Declined("declined: nothing was sent")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    keeper.run(args.ticks)


def add_venue_keeper_command(command) -> None:
    keeper = command(
        "venue-keeper",
        "the venue keeper of an asynchronous mock venue: execute ready orders, close expired ones (JSON lines)",
    )
    keeper.add_argument(
        "venue", help="the venue's address (a MockAsyncPerpVenue; the signer is one of its order keepers)"
    )
    keeper.add_argument(
        "--interval", type=float, default=2.0, metavar="SECONDS", help="between ticks (default: %(default)s)"
    )
    keeper.add_argument("--ticks", type=int, metavar="N", help="stop after N ticks (default: run until Ctrl-C)")
    keeper.add_argument(
        "--from-order",
        type=int,
        default=1,
        metavar="ID",
        help="the first order id to look at (default: %(default)s, every order the venue has)",
    )
    keeper.add_argument(
        "--shard",
        default="0/1",
        metavar="I/N",
        help="one of N keepers of the venue: send first for the ids with id %% N == I (default: %(default)s)",
    )
    keeper.add_argument(
        "--takeover",
        type=int,
        metavar="SECONDS",
        help="chain seconds another shard's due order is left to its keeper (default: VenuePolicy.takeover_seconds)",
    )
    _write_options(keeper)
    keeper.set_defaults(run=cmd_venue_keeper)


def add_async_commands(command) -> None:
    """An asynchronous (ERC-7540) token's commands: requests, cancel, claim, a round's close and settle."""
    controller_help = "whose request it is (default: the signer; another controller has made the signer its operator)"
    owner_help = "whose collateral or shares pay (default: the signer)"

    request = command("request-deposit", "asynchronous token: pay collateral into the open round")
    request.add_argument("symbol", help="token symbol, any case")
    request.add_argument("amount", help="collateral to pay, in whole units (1000 = 1,000 USDC; up to 6 decimals)")
    request.add_argument("--controller", metavar="ADDRESS", help=controller_help)
    request.add_argument("--owner", metavar="ADDRESS", help=owner_help)
    request.add_argument(
        "--approve-max", action="store_true", help="approve the token for every future request (default: AMOUNT)"
    )
    _write_options(request)
    request.set_defaults(run=cmd_request_deposit)

    redeem = command("request-redeem", "asynchronous token: move shares into the open round to redeem")
    redeem.add_argument("symbol", help="token symbol, any case")
    redeem.add_argument("shares", help="shares to redeem, in whole shares (2.5; up to 18 decimals)")
    redeem.add_argument("--controller", metavar="ADDRESS", help=controller_help)
    redeem.add_argument("--owner", metavar="ADDRESS", help=owner_help)
    _write_options(redeem)
    redeem.set_defaults(run=cmd_request_redeem)

    cancel = command("cancel-request", "asynchronous token: a pending request back, exactly, while its round is open")
    cancel.add_argument("symbol", help="token symbol, any case")
    cancel.add_argument("side", choices=("deposit", "redeem"), help="which request")
    cancel.add_argument("--controller", metavar="ADDRESS", help=controller_help)
    _write_options(cancel)
    cancel.set_defaults(run=cmd_cancel_request)

    claim = command("claim", "asynchronous token: the shares (deposit) or assets (redeem) of settled requests")
    claim.add_argument("symbol", help="token symbol, any case")
    claim.add_argument("side", choices=("deposit", "redeem"), help="which requests")
    claim.add_argument(
        "amount", nargs="?", help="deposit: collateral of the requests, redeem: their shares (default: all claimable)"
    )
    claim.add_argument("--receiver", metavar="ADDRESS", help="who receives the output (default: the signer)")
    claim.add_argument("--controller", metavar="ADDRESS", help=controller_help)
    _write_options(claim)
    claim.set_defaults(run=cmd_claim)

    close = command("close-round", "asynchronous token, keeper (anyone after the grace): close the open round")
    close.add_argument("symbol", help="token symbol, any case")
    _write_options(close)
    close.set_defaults(run=cmd_close_round)

    settle = command("settle", "asynchronous token, anyone: act on the venue's answer to the round in flight")
    settle.add_argument("symbol", help="token symbol, any case")
    _write_options(settle)
    settle.set_defaults(run=cmd_settle)


def add_index_command(command) -> None:
    from ltsdk.index import DEFAULT_DB

    index = command("index", "follow the deployment's events and sample the lens into SQLite or PostgreSQL")
    index.add_argument(
        "--db",
        metavar="PATH|URL",
        default=DEFAULT_DB,
        help="a SQLite file, or postgresql://user@host:port/name (default: %(default)s)",
    )
    index.add_argument(
        "--interval",
        type=int,
        default=300,
        metavar="SECONDS",
        help="chain seconds between samples (default: %(default)s)",
    )
    index.add_argument(
        "--confirmations", type=int, default=2, metavar="N", help="stay N blocks behind the head (default: %(default)s)"
    )
    index.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="wait between steps (default: %(default)s)"
    )
    index.add_argument(
        "--batch", type=int, default=2000, metavar="BLOCKS", help="blocks per log request (default: %(default)s)"
    )
    index.add_argument(
        "--from-block", type=int, metavar="N", help="first block, on the first run (default: the manifest's block)"
    )
    index.add_argument("--once", action="store_true", help="one step (catch up to the head), then exit")
    index.set_defaults(run=cmd_index)


def add_mock_commands(command) -> None:
    """The mock helpers' subcommands; `command(name, help)` makes one with the common options."""
    faucet = command("faucet", "mock USDC to an address (default: the signer's), local and test networks")
    faucet.add_argument("amount", help="collateral to mint, in whole units (10000 = 10,000 USDC)")
    faucet.add_argument("address", nargs="?", help="receiver (default: LT_PRIVATE_KEY's account)")
    _write_options(faucet)
    faucet.set_defaults(run=cmd_faucet)

    price = command("set-price", "a mock oracle's new price, signed by an updater (the deployer)")
    price.add_argument("market", help="underlying, any case (BTC, eth)")
    price.add_argument("price", help="USD, up to the feed's decimals (65000, 3210.5)")
    _write_options(price)
    price.set_defaults(run=cmd_set_price)

    warp = command("warp", "anvil only: move the chain's clock forward, then re-post every oracle")
    warp.add_argument("duration", help="seconds, or with a unit: 90m, 12h, 2d, 1w")
    warp.add_argument("--no-refresh", action="store_true", help="leave the oracles' last update (they go stale)")
    _write_options(warp)
    warp.set_defaults(run=cmd_warp)


# ---------------------------------------------------------------- end of the mock helpers


# ---------------------------------------------------------------- the parser


def _common_options() -> Parser:
    """--rpc, --manifest, --json: on the main parser and on every command, so they go before or
    after it. Their defaults are SUPPRESS (a command's parser must not overwrite what was given
    before it); `DEFAULTS` fills in what was not given."""
    from ltsdk.client import DEFAULT_RPC

    common = Parser(add_help=False)
    common.add_argument(
        "--rpc",
        metavar="URL",
        default=argparse.SUPPRESS,
        help=f"JSON-RPC URL (default: $LT_RPC_URL, else {DEFAULT_RPC})",
    )
    common.add_argument(
        "--manifest",
        metavar="PATH|NETWORK",
        default=argparse.SUPPRESS,
        help="a manifest file, or a network name looked up in $LT_DEPLOYMENTS then ./deployments (default: local)",
    )
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output, and errors as JSON"
    )
    return common


def _write_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--yes", "-y", action="store_true", help="send without asking (the prompt comes only on non-local chains)"
    )


def _user_write_options(command: argparse.ArgumentParser) -> None:
    from ltsdk.plans import DEFAULT_DEADLINE_SECONDS, DEFAULT_SLIPPAGE_BPS

    command.add_argument(
        "--slippage-bps",
        type=int,
        default=DEFAULT_SLIPPAGE_BPS,
        metavar="BPS",
        help="tolerance in basis points, 0-10000, against the preview just before sending"
        " (default: %(default)s = 0.5 %%)",
    )
    command.add_argument(
        "--deadline",
        type=int,
        default=DEFAULT_DEADLINE_SECONDS,
        metavar="SECONDS",
        help="revert if not mined this many seconds after the latest block (default: %(default)s)",
    )
    command.add_argument("--receiver", metavar="ADDRESS", help="who receives the output (default: the signer)")
    _write_options(command)


def build_parser() -> Parser:
    common = _common_options()
    parser = Parser(
        prog="ltsdk",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=HelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=help_text, description=help_text, parents=[common], formatter_class=HelpFormatter
        )

    status = command(
        "status",
        "every token's state: NAV per share (USDC), NAV, leverage, band, status; an asynchronous token's rounds",
    )
    status.add_argument(
        "--controller",
        metavar="ADDRESS",
        help="whose asynchronous requests to show (default: LT_PRIVATE_KEY's account, if set)",
    )
    status.set_defaults(run=cmd_status)

    quote = command("quote", "exact previews in the latest block, with the fee and the venue's cost")
    quote.add_argument("symbol", help="token symbol, any case (BTC3L, btc3l)")
    side = quote.add_mutually_exclusive_group(required=True)
    side.add_argument("--deposit", metavar="AMOUNT", help="collateral to pay, in whole units (1000 = 1,000 USDC)")
    side.add_argument("--redeem", metavar="SHARES", help="shares to redeem, in whole shares (2.5)")
    quote.set_defaults(run=cmd_quote)

    deposit = command("deposit", "pay collateral, receive shares")
    deposit.add_argument("symbol", help="token symbol, any case")
    deposit.add_argument("amount", help="collateral to pay, in whole units (1000 = 1,000 USDC; up to 6 decimals)")
    deposit.add_argument(
        "--min-shares", metavar="SHARES", help="revert below this many shares (default: from --slippage-bps)"
    )
    deposit.add_argument(
        "--approve-max",
        action="store_true",
        help="approve the token for every future deposit (default: approve exactly AMOUNT, if needed)",
    )
    _user_write_options(deposit)
    deposit.set_defaults(run=cmd_deposit)

    redeem = command("redeem", "burn shares, receive collateral")
    redeem.add_argument("symbol", help="token symbol, any case")
    redeem.add_argument("shares", help="shares to burn, in whole shares (2.5; up to 18 decimals)")
    redeem.add_argument(
        "--min-assets",
        metavar="AMOUNT",
        help="revert below this much collateral, in whole units (default: from --slippage-bps)",
    )
    _user_write_options(redeem)
    redeem.set_defaults(run=cmd_redeem)

    add_async_commands(command)

    rebalance = command("rebalance", "keeper: rebalance if due (needs KEEPER_ROLE until the keeper grace)")
    rebalance.add_argument("symbol", help="token symbol, any case")
    _write_options(rebalance)
    rebalance.set_defaults(run=cmd_rebalance)

    split = command("split", "admin/keeper: split (or --reverse) every balance by a factor")
    split.add_argument("symbol", help="token symbol, any case")
    split.add_argument("factor", help="whole number, within the contract's bounds (2-10000)")
    split.add_argument("--reverse", action="store_true", help="merge FACTOR shares into one")
    _write_options(split)
    split.set_defaults(run=cmd_split)

    configure = command("configure", "admin: a parameter change through the configurator (at once or queued)")
    configure.add_argument("symbol", help="token symbol, any case")
    configure.add_argument("setter", help="the configurator's setter, e.g. set_fees, set_limits, set_delay")
    configure.add_argument(
        "values", nargs="+", help="its values after the token, in the contract's units (bps, seconds, base units, WAD)"
    )
    _write_options(configure)
    configure.set_defaults(run=cmd_configure)

    for name, who, run in (("execute", "admin: apply", cmd_execute), ("cancel", "guardian/admin: drop", cmd_cancel)):
        queue = command(name, f"{who} a queued parameter change")
        queue.add_argument("symbol", help="token symbol, any case")
        queue.add_argument("change_id", help="the change's id (0x, 32 bytes), from `ltsdk configure`")
        _write_options(queue)
        queue.set_defaults(run=run)

    bt = command("backtest", "the reference model over a price path (no chain)")
    bt.add_argument("--csv", metavar="PATH", help="price file of timestamp,price rows (default: a generated path)")
    bt.add_argument("--days", type=float, default=30, help="length of the generated path, > 0 (default: %(default)s)")
    bt.add_argument(
        "--step", type=int, default=60, metavar="SECONDS", help="seconds between prices (default: %(default)s)"
    )
    bt.add_argument("--seed", type=int, default=1, help="random seed of the path (default: %(default)s)")
    bt.add_argument(
        "--volatility", type=float, default=0.6, help="annual volatility, 0.6 = 60 %% (default: %(default)s)"
    )
    bt.add_argument("--leverage", type=int, default=3, help="whole-number target leverage, 2-9 (default: %(default)s)")
    bt.add_argument("--short", action="store_true", help="a short token (default: long)")
    bt.add_argument("--png", metavar="PATH", help="write a chart here")
    bt.add_argument(
        "--venue",
        choices=("sync", "async"),
        default="sync",
        help="sync: the keeper's rebalancing fund; async: also an ERC-7540 token's netted rounds on the same"
        " path, with what netting saved (default: %(default)s)",
    )
    bt.add_argument(
        "--round-interval",
        type=int,
        metavar="SECONDS",
        help="async: seconds between round closes (default: 4 hours, the async demo's)",
    )
    bt.add_argument(
        "--fill-delay",
        type=int,
        metavar="SECONDS",
        help="async: seconds from a close to its fill at the first price then (default: 1 hour)",
    )
    bt.add_argument(
        "--requests-per-day",
        type=float,
        metavar="N",
        help="async: the seeded requesters' requests per day (default: 6)",
    )
    bt.set_defaults(run=cmd_backtest)

    web = command("serve", "the web dashboard: tokens, history, holders, keeper health, mint and redeem")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    web.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    web.add_argument(
        "--index", metavar="PATH|URL", help="the indexer's database (as `ltsdk index --db`): history, cost basis, 24 h"
    )
    web.add_argument(
        "--keeper-metrics", metavar="URL", help="the keeper's Prometheus metrics (http://127.0.0.1:9101/metrics)"
    )
    web.set_defaults(run=cmd_serve)
    add_index_command(command)
    add_venue_keeper_command(command)
    add_mock_commands(command)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    for name, default in DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    return args


# ---------------------------------------------------------------- errors and exit codes


def _report(error: BaseException, as_json: bool) -> None:
    """One line on stderr: `ltsdk: [Type: ]message`, or a JSON object with --json."""
    message = " ".join(str(error).split()) or type(error).__name__
    typed = isinstance(error, errors.LtError)
    if as_json:
        kind = type(error).__name__ if typed or isinstance(error, Declined) else "BadInput"
        data = {"error": kind, "message": message}
        if typed and error.reason:
            data["reason"] = error.reason
        print(json.dumps(data), file=sys.stderr)
    else:
        print(f"ltsdk: {type(error).__name__}: {message}" if typed else f"ltsdk: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's last flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv  # known even when parsing fails
    try:
        args = parse_args(argv)
        args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:  # `ltsdk --json status | head`: the reader has what it wanted
        _silence_stdout()
        return EXIT_FAILED
    except Declined as exc:
        _report(exc, as_json)
        return EXIT_FAILED
    except (CliError, errors.LtError, ValueError, OSError) as exc:
        _report(exc, as_json)
        return EXIT_BAD_INPUT
    except Exception as exc:
        from web3.exceptions import Web3Exception

        if not isinstance(exc, Web3Exception):  # a bug: keep its traceback
            raise
        _report(exc, as_json)  # e.g. no receipt before the timeout
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
