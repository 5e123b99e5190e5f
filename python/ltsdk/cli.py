"""`ltsdk`: the command line over the SDK.

    ltsdk status                              every token: NAV/share, leverage, band, status, next slot
    ltsdk quote BTC3L --deposit 1000          exact previews in this block (or --redeem SHARES)
    ltsdk deposit BTC3L 1000                  pay 1,000 USDC (approval, slippage, deadline handled)
    ltsdk redeem BTC3L 2.5                    redeem 2.5 shares
    ltsdk rebalance BTC3L                     keeper: rebalance if due
    ltsdk split BTC3L 10 [--reverse]          admin/keeper: split
    ltsdk backtest --days 30 --png out/b.png  the reference model over a price path
    ltsdk faucet 10000 0xYOU                  mock USDC (local and test networks)
    ltsdk set-price BTC 65000                 a mock oracle's price, as the deployer
    ltsdk warp 1d                             anvil's clock a day on (oracles refreshed)

Options: --rpc URL (or LT_RPC_URL; default the local node of `make node`, http://127.0.0.1:8545),
--manifest PATH|NETWORK (default "local"; one for another chain id exits 2), --json. Writes sign
with LT_PRIVATE_KEY or LT_KEYSTORE + LT_KEYSTORE_PASSWORD. Bad input prints one line and exits 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from ltsdk import errors

EXIT_BAD_INPUT = 2


class CliError(Exception):
    """A one-line message for the user; exit code 2."""


def parse_amount(text: str, decimals: int, what: str) -> int:
    """A human decimal ("1000", "2.5") as base units, exactly; no float anywhere."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CliError(f"{what} must be a number, got {text!r}") from None
    scaled = value * (10**decimals)
    if not value.is_finite() or scaled <= 0 or scaled != scaled.to_integral_value():
        raise CliError(f"{what} must be positive with at most {decimals} decimals, got {text!r}")
    return int(scaled)


def _protocol(args):
    from web3.exceptions import Web3Exception

    from ltsdk.client import DEFAULT_RPC, Protocol

    rpc_url = args.rpc or os.environ.get("LT_RPC_URL", DEFAULT_RPC)
    try:
        protocol = Protocol.from_manifest(args.manifest, rpc_url)
    except errors.LtError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:  # e.g. LT_KEYSTORE names a file that cannot be read
        raise CliError(f"cannot load the account: {exc}") from None
    try:
        _ = protocol.w3.eth.chain_id  # fail fast without a node
    except (OSError, Web3Exception) as exc:
        raise CliError(f"cannot reach the RPC at {rpc_url}: {exc}") from None
    return protocol


def _fmt_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


def cmd_status(args) -> None:
    states = _protocol(args).states()
    if args.json:
        print(json.dumps({symbol: state.as_dict() for symbol, state in states.items()}, indent=2))
        return
    header = (
        f"{'token':7} {'NAV/share':>10} {'NAV':>14} {'leverage':>9} {'band':>13} {'status':>9} {'oracle':>7}"
        f" {'next slot (UTC)':>17}"
    )
    print(header)
    print("-" * len(header))
    for symbol, s in states.items():
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


def cmd_quote(args) -> None:
    token = _protocol(args).token(args.symbol)
    if args.deposit is not None:
        assets = parse_amount(args.deposit, 6, "amount")
        result = {"assets": assets, "shares": token.preview_deposit(assets)}
    elif args.redeem is not None:
        shares = parse_amount(args.redeem, 18, "shares")
        result = {"shares": shares, "assets": token.preview_redeem(shares)}
    else:
        raise CliError("quote needs --deposit AMOUNT or --redeem SHARES")
    print(
        json.dumps({k: str(v) for k, v in result.items()})
        if args.json
        else "  ".join(f"{k}={v}" for k, v in result.items())
    )


def _print_result(args, result) -> None:
    from dataclasses import asdict

    data = {k: (str(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in asdict(result).items()}
    print(json.dumps(data) if args.json else "  ".join(f"{k}={v}" for k, v in data.items()))


def cmd_deposit(args) -> None:
    token = _protocol(args).token(args.symbol)
    _print_result(args, token.deposit(parse_amount(args.amount, 6, "amount"), slippage_bps=args.slippage_bps))


def cmd_redeem(args) -> None:
    token = _protocol(args).token(args.symbol)
    _print_result(args, token.redeem(parse_amount(args.shares, 18, "shares"), slippage_bps=args.slippage_bps))


def cmd_rebalance(args) -> None:
    _print_result(args, _protocol(args).token(args.symbol).rebalance())


def cmd_split(args) -> None:
    try:
        factor = int(args.factor)
    except ValueError:
        raise CliError(f"factor must be a whole number, got {args.factor!r}") from None
    _print_result(args, _protocol(args).token(args.symbol).split(factor, reverse=args.reverse))


def cmd_backtest(args) -> None:
    from ltsdk import backtest
    from ltsdk.prices import PricePath, generate_prices

    prices = (
        PricePath.from_csv(args.csv)
        if args.csv
        else generate_prices(args.days, args.step, annual_volatility=args.volatility, seed=args.seed)
    )
    result = backtest.run(prices, leverage=args.leverage, is_long=not args.short)
    summary = result.summary()
    if args.png:
        summary["chart"] = str(result.plot(args.png))
    if args.json:
        print(json.dumps({k: (v if isinstance(v, dict | int) else str(v)) for k, v in summary.items()}, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:24} {value}")


# ---------------------------------------------------------------- mock helpers (local and test networks)
# `faucet`, `set-price`, `warp`: ltsdk.mocks over the deployment's mock collateral, oracles and
# anvil's clock. Signed with LT_PRIVATE_KEY/LT_KEYSTORE if set, else by the node's first unlocked
# account (anvil account 0, the local deployer).


def cmd_faucet(args) -> None:
    from ltsdk import mocks

    protocol = _protocol(args)
    receiver = args.address or (protocol.account.address if protocol.account else None)
    if receiver is None:
        raise CliError("faucet needs an ADDRESS (or LT_PRIVATE_KEY, to fund its account)")
    from web3 import Web3

    if not Web3.is_address(receiver):
        raise CliError(f"ADDRESS must be a 0x-prefixed 20-byte address, got {receiver!r}")
    assets = parse_amount(args.amount, protocol.asset_decimals, "amount")
    balance = mocks.faucet(protocol.w3, protocol.manifest, protocol.account, receiver, assets)
    human = Decimal(balance) / 10**protocol.asset_decimals
    print(json.dumps({"receiver": receiver, "balance": str(balance)}) if args.json else f"{receiver}: {human:,} USDC")


def cmd_set_price(args) -> None:
    from ltsdk import mocks

    try:
        usd = Decimal(args.price)
    except InvalidOperation:
        raise CliError(f"price must be a number, got {args.price!r}") from None
    protocol = _protocol(args)
    answer = mocks.set_price(protocol.w3, protocol.manifest, protocol.account, args.market, usd)
    print(
        json.dumps({"market": args.market.upper(), "answer": str(answer)})
        if args.json
        else f"{args.market.upper()} = {usd} USD"
    )


def cmd_warp(args) -> None:
    from ltsdk import mocks

    seconds = mocks.parse_duration(args.duration)
    protocol = _protocol(args)
    timestamp = mocks.warp(protocol.w3, protocol.manifest, protocol.account, seconds, refresh=not args.no_refresh)
    print(
        json.dumps({"timestamp": timestamp}) if args.json else f"chain time {_fmt_time(timestamp)} UTC (+{seconds} s)"
    )


def add_mock_commands(sub) -> None:
    faucet = sub.add_parser("faucet", help="mock USDC to an address (default: LT_PRIVATE_KEY's)")
    faucet.add_argument("amount", help="USDC, e.g. 10000")
    faucet.add_argument("address", nargs="?")
    faucet.set_defaults(run=cmd_faucet)

    price = sub.add_parser("set-price", help="a mock oracle's new price (USD), as the deployer")
    price.add_argument("market", help="e.g. BTC")
    price.add_argument("price", help="USD, e.g. 65000")
    price.set_defaults(run=cmd_set_price)

    warp = sub.add_parser("warp", help="anvil: move the chain's clock forward and refresh the oracles")
    warp.add_argument("duration", help="seconds, or with a unit: 90m, 12h, 2d, 1w")
    warp.add_argument("--no-refresh", action="store_true", help="leave the oracles' last update (they go stale)")
    warp.set_defaults(run=cmd_warp)


# ---------------------------------------------------------------- end of the mock helpers


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ltsdk", description="Leveraged tokens from the command line")
    parser.add_argument("--rpc", help="JSON-RPC URL (default: $LT_RPC_URL or http://127.0.0.1:8545)")
    parser.add_argument("--manifest", default="local", help="manifest path or network name (default: local)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("status", help="every token's state").set_defaults(run=cmd_status)

    quote = sub.add_parser("quote", help="exact previews now")
    quote.add_argument("symbol")
    quote.add_argument("--deposit", metavar="AMOUNT")
    quote.add_argument("--redeem", metavar="SHARES")
    quote.set_defaults(run=cmd_quote)

    for name, arg, run in (("deposit", "amount", cmd_deposit), ("redeem", "shares", cmd_redeem)):
        command = sub.add_parser(name)
        command.add_argument("symbol")
        command.add_argument(arg)
        command.add_argument("--slippage-bps", type=int, default=50)
        command.set_defaults(run=run)

    rebalance = sub.add_parser("rebalance", help="keeper: rebalance if due")
    rebalance.add_argument("symbol")
    rebalance.set_defaults(run=cmd_rebalance)

    split = sub.add_parser("split", help="split (or --reverse) shares")
    split.add_argument("symbol")
    split.add_argument("factor")
    split.add_argument("--reverse", action="store_true")
    split.set_defaults(run=cmd_split)

    bt = sub.add_parser("backtest", help="the reference model over a price path")
    bt.add_argument("--csv")
    bt.add_argument("--days", type=float, default=30)
    bt.add_argument("--step", type=int, default=60)
    bt.add_argument("--seed", type=int, default=1)
    bt.add_argument("--volatility", type=float, default=0.6)
    bt.add_argument("--leverage", type=int, default=3)
    bt.add_argument("--short", action="store_true")
    bt.add_argument("--png")
    bt.set_defaults(run=cmd_backtest)
    add_mock_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except CliError as exc:
        print(f"ltsdk: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except errors.LtError as exc:
        print(f"ltsdk: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ValueError, OSError) as exc:
        print(f"ltsdk: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
