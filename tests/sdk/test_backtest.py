"""The backtester: pure Python over the reference model, no chain."""

from decimal import Decimal

import pytest

from ltsdk import backtest, rounds_backtest
from ltsdk.errors import BadArgument
from ltsdk.prices import PricePath, generate_prices
from ltsdk.units import USDC, WAD


def test_run__ten_days__rebalances_daily_and_tracks_the_ideal():
    prices = generate_prices(days=10, step_seconds=300, seed=3)
    result = backtest.run(prices, leverage=3, deposit=100_000 * USDC)
    summary = result.summary()

    assert summary["steps"] == len(prices.points)
    assert result.rebalances.get("scheduled", 0) >= 9  # one per day, the first day's slot is used at creation
    assert result.trading_fees > 0
    assert abs(summary["fund_return"] - summary["ideal_daily_return"]) < Decimal("0.02")
    assert summary["tracking_error_daily"] < Decimal("0.01")
    assert result.nav_per_share[0] == 100 * USDC  # the first sample is taken right after the mint


def test_run__short_token__gains_when_the_price_falls():
    start = 1_700_006_400
    points = [(start + i * 3_600, (60_000 - 100 * i) * WAD) for i in range(48)]
    result = backtest.run(PricePath(points), leverage=3, is_long=False, deposit=10_000 * USDC)
    assert result.nav_per_share[-1] > result.nav_per_share[0]
    assert result.summary()["underlying_return"] < 0


def test_run__positive_funding__long_pays_it():
    prices = generate_prices(days=3, step_seconds=600, annual_volatility=0.2, seed=5)
    result = backtest.run(prices, deposit=10_000 * USDC, funding_rate_per_second=10**10)
    assert result.funding_paid > 0


def test_run__fund_passed_in_with_an_old_price__mints_at_the_first_price_of_the_path():
    start = 1_700_006_400
    prices = generate_prices(days=1, step_seconds=3_600, seed=7, start_time=start)
    aged = backtest.new_fund(50_000 * WAD, start - 10 * 3_600)  # its last price is older than max_price_age
    fresh = backtest.new_fund(prices.points[0][1], start)

    result = backtest.run(prices, deposit=10_000 * USDC, fund=aged, keeper_delay=1)

    assert result.nav_per_share == backtest.run(prices, deposit=10_000 * USDC, fund=fresh, keeper_delay=1).nav_per_share


def test_from_csv__reads_rows_and_skips_a_header(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("timestamp,price\n1700000000,60000.5\n1700000060,60010.25\n")
    prices = PricePath.from_csv(path)
    assert prices.points == [
        (1_700_000_000, 60_000_500_000_000_000_000_000),
        (1_700_000_060, 60_010_250_000_000_000_000_000),
    ]


def test_from_csv__bad_row_after_data__raises(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("1700000000,60000\n1700000060,not-a-price\n")
    with pytest.raises(ValueError, match="bad row"):
        PricePath.from_csv(path)


def test_plot__writes_a_png(tmp_path):
    result = backtest.run(generate_prices(days=2, step_seconds=900, seed=1), deposit=10_000 * USDC)
    path = result.plot(tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_generate_prices__same_seed_same_path():
    assert generate_prices(days=1, seed=9).points == generate_prices(days=1, seed=9).points
    assert generate_prices(days=1, seed=9).points != generate_prices(days=1, seed=10).points


# ---------------------------------------------------------------- the asynchronous venue (ltsdk.rounds_backtest)


def test_run_async__requests_netted_per_round__netting_trades_and_costs_less_than_alone():
    prices = generate_prices(days=3, step_seconds=600, seed=2)
    crowd = rounds_backtest.Crowd(requests_per_day=24, seed=4)
    result = rounds_backtest.run(prices, deposit=100_000 * USDC, crowd=crowd)
    n = result.netting
    assert result.settled == n.rounds > 0 and n.requests > n.rounds  # some rounds netted several requests
    assert n.notional_netted < n.notional_alone and n.cost_netted < n.cost_alone
    assert result.summary()["cost_saved"] > 0


def test_run_async__first_round_fills_after_the_delay_at_the_later_price():
    start = 1_700_006_400
    points = [(start + i * 600, (60_000 + 10 * i) * WAD) for i in range(12)]
    policy = rounds_backtest.RoundPolicy(fill_delay=1_800)
    result = rounds_backtest.run(PricePath(points), crowd=rounds_backtest.Crowd(requests_per_day=0), policy=policy)
    assert result.timestamps[0] == start + 1_800  # no shares before the fill
    assert result.fills == [(start + 1_800, 60_030 * WAD)]  # the first price at the delay, not the close's
    assert result.settled == 1 and result.netting.requests == 1
    # priced at the fill, its costs taken from the shares minted: the NAV per share starts at 100
    assert result.nav_per_share[0] == 100 * USDC


def test_run_async__no_rebalance_between_rounds__leverage_falls_as_a_long_gains():
    start = 1_700_006_400
    points = [(start + i * 3_600, (60_000 + 300 * i) * WAD) for i in range(48)]
    result = rounds_backtest.run(PricePath(points), crowd=rounds_backtest.Crowd(requests_per_day=0))
    assert result.nav_per_share[-1] > result.nav_per_share[0]
    assert Decimal(2) < result.leverage_end < Decimal(3)


@pytest.mark.parametrize(
    "options",
    [
        {"leverage": 1},
        {"policy": rounds_backtest.RoundPolicy(fill_delay=0)},
        {"policy": rounds_backtest.RoundPolicy(round_interval=-1)},
        {"crowd": rounds_backtest.Crowd(requesters=0)},
        {"crowd": rounds_backtest.Crowd(requests_per_day=-1)},
    ],
)
def test_run_async__bad_input__raises_before_running(options):
    with pytest.raises(BadArgument):
        rounds_backtest.run(generate_prices(days=1, seed=1), **options)
