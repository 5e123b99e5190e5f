"""Thirty days of hourly prices on chain, with a keeper that acts whenever a rebalance is due:
the rebalance count by reason and the final NAV per share equal the backtester's to the wei."""

from decimal import Decimal

from ltsdk import backtest
from ltsdk.codes import Reason
from ltsdk.prices import generate_prices
from ltsdk.units import HOUR, USDC


def test_thirty_day_hourly_path__rebalances_and_nav_match_the_backtest(
    token, mirror_of, depositor, keeper, fund, chain, btc_oracle, admin
):
    start = (chain.pending_timestamp // HOUR + 1) * HOUR
    prices = generate_prices(
        days=30, step_seconds=HOUR, start_price=Decimal(60_000), annual_volatility=0.9, seed=7, start_time=start
    )
    # the model starts from the token's on-chain parameters and state, before the first price
    expected = backtest.run(
        prices,
        deposit=50_000 * USDC,
        fund=mirror_of(token).f,
        keeper_delay=1,
        sample_seconds=HOUR,
    )

    fund(depositor, token, 50_000 * USDC)
    rebalances: dict[str, int] = {}
    # read once and after each rebalance (the only call that moves them): 720 steps of eth_calls saved
    cooldown, last_rebalance_time = token.twap_cooldown(), token.last_rebalance_time()
    for i, (timestamp, price) in enumerate(prices.points):
        chain.pending_timestamp = timestamp
        btc_oracle.set_price(price // 10**10, sender=admin)
        chain.pending_timestamp = timestamp + 1
        if i == 0:
            token.deposit(50_000 * USDC, depositor, sender=depositor)
            last_rebalance_time = token.last_rebalance_time()
            continue
        reason = token.rebalance_status()[0]
        if reason != Reason.NONE and (reason == Reason.RIPCORD or timestamp + 1 >= last_rebalance_time + cooldown):
            token.rebalance(sender=keeper)
            last_rebalance_time = token.last_rebalance_time()
            name = Reason(reason).label
            rebalances[name] = rebalances.get(name, 0) + 1

    assert rebalances == expected.rebalances
    assert sum(rebalances.values()) >= 30  # at least the daily slots
    assert token.nav_per_share() == expected.nav_per_share[-1]
