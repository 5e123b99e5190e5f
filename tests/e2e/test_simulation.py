"""End to end, as `make demo` runs it: deployed products, a user's deposits, a simulated market
with time warp and funding changes, and the keeper acting after every price update."""

from decimal import Decimal

import pytest
from eth_account import Account

from ltsdk import Protocol, simulation
from ltsdk.abis import load_abi
from ltsdk.codes import Reason
from ltsdk.keeper import Keeper, Policy
from ltsdk.market import Market
from ltsdk.units import HOUR, USDC


@pytest.fixture
def sdk(manifest_file, rpc_url):
    """sdk(actor): an SDK session signing as `actor`."""
    return lambda actor: Protocol.from_manifest(manifest_file, rpc_url, Account.from_key(actor.private_key))


def test_two_simulated_days__keeper_keeps_every_token_on_target__report_matches_the_chain(
    sdk, manifest_file, admin, keeper, depositor, project, tmp_path
):
    user = sdk(depositor)
    for token in user.tokens.values():
        project.LeveragedToken.at(token.address).grantRole(
            project.LeveragedToken.at(token.address).KEEPER_ROLE(), keeper, sender=admin
        )
    project.MockUSDC.at(user.manifest["collateral"]).mint(depositor, 60_000 * USDC, sender=depositor)
    for symbol in ("BTC3L", "ETH3S", "BTC5S"):
        user.token(symbol).deposit(20_000 * USDC)
    runner = Keeper(sdk(keeper), Policy(poll_seconds=0, receipt_poll_seconds=0.01))
    market = Market.from_manifest(
        runner.protocol.w3, user.manifest, Account.from_key(admin.private_key), 2, HOUR, seed=5
    )
    lines = []

    result = simulation.run(runner, market, progress=lines.append)

    assert len(lines) == 2 and lines[1].startswith("day   2")
    assert set(result.reports) == {"BTC3L", "ETH3S", "BTC5S"}  # only funded tokens are sampled
    assert result.summary.outcomes.get("failed", 0) == 0 and result.summary.outcomes["mined"] >= 6
    states = runner.protocol.states()
    for symbol, report in result.reports.items():
        state = states[symbol]
        assert report.nav_per_share_end == result.series[symbol].nav_per_share[-1] == state.nav_per_share
        # every daily slot is used: by its scheduled rebalance, or by a band rebalance after the
        # slot opened (any rebalance records the slot as used)
        assert report.rebalances.get("scheduled", 0) + report.rebalances.get("band", 0) >= 2
        assert sum(report.rebalances.values()) == len(result.series[symbol].actions)
        assert report.trading_fees > 0
        # after the keeper's last tick nothing is left due (or it waits for the cooldown)
        assert state.status == Reason.NONE or state.timestamp < state.last_rebalance_time + state.twap_cooldown
        # daily re-levering tracks the ideal daily-leveraged product closely over two days
        assert abs(report.fund_return - report.ideal_return) < Decimal("0.05")
        # the tracking error's parts, read from the chain's logs and the lens rows, explain it
        fees, settled = _venue_totals(runner, symbol, result.start_block)
        owed = _venue(runner, symbol).functions.funding_owed(runner.protocol.token(symbol).address).call()
        assert report.trading_fees == fees and report.funding_paid == settled + owed
        decomposition = report.tracking
        assert decomposition is not None
        assert decomposition.venue_fees == report.trading_fees - _flow_fees(runner, symbol, result.start_block)
        assert decomposition.funding_paid == report.funding_paid
        assert decomposition.rebalances == sum(report.rebalances.values())
        # the report's fee shares also hold what accrued before the first sample (the step-0 hour)
        assert 0 <= report.management_fee_shares - decomposition.fee_shares < report.management_fee_shares // 20
        assert abs(decomposition.residual_bp_per_30_days) < 1
    assert market.funding["BTC"] != 0  # a new day drew a funding rate
    table = simulation.table(result)
    assert all(symbol in table for symbol in result.reports)
    assert all(symbol in simulation.tracking_table(result) for symbol in result.reports)
    assert simulation.plot(result, tmp_path / "demo.png").stat().st_size > 10_000


def _venue(runner, symbol):
    manifest = runner.protocol.manifest
    address = manifest["markets"][manifest["tokens"][symbol]["market"]]["adapter"]
    return runner.protocol.w3.eth.contract(address=address, abi=load_abi("MockPerpAdapter"))


def _venue_totals(runner, symbol, since):
    """(trading fees, funding settled) of the token's venue account, read from the venue's logs."""
    ours = {"account": runner.protocol.token(symbol).address}
    venue = _venue(runner, symbol)
    fees = sum(log["args"]["fee"] for log in venue.events.Traded().get_logs(from_block=since, argument_filters=ours))
    settled = venue.events.FundingSettled().get_logs(from_block=since, argument_filters=ours)
    return fees, sum(log["args"]["amount"] for log in settled)


def _flow_fees(runner, symbol, since):
    """Venue fees of the in-kind trades of mints and redeems (the minter's and redeemer's to pay)."""
    token = runner.protocol.token(symbol)
    flow_txs = {e["tx_hash"] for name in ("Deposit", "Withdraw") for e in token.events(name, since)}
    venue = _venue(runner, symbol)
    logs = venue.events.Traded().get_logs(from_block=since, argument_filters={"account": token.address})
    return sum(log["args"]["fee"] for log in logs if log["transactionHash"].to_0x_hex() in flow_txs)
