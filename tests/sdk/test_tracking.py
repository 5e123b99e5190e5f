"""Tracking error, decomposed (ltsdk.tracking): exact splits on hand-built paths, the residual on
simulated months, the track built from logs and index rows, and properties over random paths."""

import dataclasses
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltsdk import backtest, math, tracking
from ltsdk.errors import BadArgument
from ltsdk.prices import IdealTracker, generate_prices
from ltsdk.units import DAY, USDC, WAD

SCALE = WAD * 10**12  # size x price / SCALE = assets (6-decimal collateral)
START = 1_700_006_400  # a UTC midnight
TINY = Decimal("1e-9")  # integer rounding of a 1,000,000 USDC fund, in log return
EXACT = Decimal("1e-25")  # Decimal rounding: the parts add up to the gap exactly


class HandFund:
    """A fund written out by hand: its NAV moves by size x price change, and each cost is taken
    from it as the event that records it says, so a track of it is exactly explained."""

    def __init__(self, leverage=3, is_long=True, nav=1_000_000 * USDC, price=60_000 * WAD, shares=10_000 * WAD):
        self.leverage, self.is_long = leverage, is_long
        self.nav, self.price, self.shares, self.now = nav, price, shares, START
        self.splits = 1  # shares per share of the start
        self.size = self.target_size()
        self.events: list[tracking.Event] = []
        self.mark()

    def target_size(self) -> int:
        size = self.nav * SCALE * self.leverage // self.price
        return size if self.is_long else -size

    def move(self, price: int, seconds: int = 3_600) -> None:
        self.now += seconds
        self.nav += self.size * (price - self.price) // SCALE
        self.price = price
        self.events.append(tracking.Price(self.now, price))

    def pay_funding(self, amount: int) -> None:
        self.nav -= amount
        self.events.append(tracking.Funding(self.now, amount))

    def mint_fee_shares(self, shares: int) -> None:
        self.shares += shares
        self.events.append(tracking.FeeShares(self.now, shares))

    def rebalance(self, premium_bps: int = 0, fee: int = 0, reward: int = 0) -> None:
        """Trade back to target at the oracle price -+ premium, paying `fee` and `reward`."""
        self.trade_to(self.target_size(), premium_bps, fee, reward)

    def trade_to(self, size_after: int, premium_bps: int = 0, fee: int = 0, reward: int = 0) -> None:
        delta = size_after - self.size
        exec_price = self.price + (1 if delta > 0 else -1) * self.price * premium_bps // 10_000
        slippage = abs(delta) * abs(exec_price - self.price) // SCALE
        self.events.append(
            tracking.Rebalance(self.now, self.price, self.size, size_after, exec_price, fee, self.nav, reward)
        )
        self.nav -= fee + slippage + reward
        self.size = size_after

    def mint(self, assets: int, cost: int) -> None:
        """A mint at NAV: the position grows by assets / NAV, the minter pays the trade's cost."""
        size_after = self.size + self.size * assets // self.nav
        shares = self.shares * (assets - cost) // self.nav
        self.events.append(tracking.Flow(self.now, shares, self.size, size_after))
        self.nav += assets - cost
        self.shares += shares
        self.size = size_after

    def split(self, factor: int) -> None:
        self.shares *= factor
        self.splits *= factor
        self.events.append(tracking.Split(self.now, self.shares))

    def mark(self) -> None:
        self.events.append(tracking.Mark(self.now, self.price, self.nav, self.shares, self.size))

    def decompose(self) -> tracking.Decomposition:
        self.mark()
        return tracking.decompose(tracking.Track(self.leverage, self.is_long, self.events))

    def growth(self) -> Decimal:
        first = self.events[0]
        assert isinstance(first, tracking.Mark)
        return Decimal(self.nav) * self.splits / self.shares / (Decimal(first.nav) / first.shares)


def terms(point: tracking.Point) -> dict[str, Decimal]:
    return {
        "timing": point.timing,
        "trading": point.trading,
        "funding": point.funding,
        "management_fee": point.management_fee,
        "residual": point.residual,
    }


def only(point: tracking.Point, name: str) -> Decimal:
    """The named term, after checking every other term is zero (to integer rounding)."""
    others = {k: v for k, v in terms(point).items() if k != name}
    assert all(abs(v) < TINY for v in others.values()), others
    return terms(point)[name]


def prices_within_a_day(*moves: float) -> list[int]:
    return [int(Decimal(60_000) * (1 + Decimal(str(m)))) * WAD for m in moves]


# ---------------------------------------------------------------- hand-built paths


def test_decompose__price_moves_within_a_day_and_no_costs__every_term_is_zero():
    fund = HandFund()
    for price in prices_within_a_day(0.01, -0.02, 0.03):
        fund.move(price)
    total = fund.decompose().total
    assert abs(total.fund - total.ideal) < TINY
    only(total, "timing")
    assert abs(total.timing) < TINY


def test_decompose__funding_only__all_of_the_gap_is_funding():
    fund = HandFund()
    for price in prices_within_a_day(0.01, -0.01, 0.02):
        fund.move(price)
        fund.pay_funding(300 * USDC)
    total = fund.decompose().total
    assert only(total, "funding") < 0
    assert abs(total.funding - total.gap) < TINY


def test_decompose__funding_received__the_funding_term_is_a_gain():
    fund = HandFund(is_long=False)
    fund.move(prices_within_a_day(0.01)[0])
    fund.pay_funding(-500 * USDC)
    assert only(fund.decompose().total, "funding") > 0


def test_decompose__management_fee_only__all_of_the_gap_is_the_fee():
    fund = HandFund()
    for price in prices_within_a_day(0.02, -0.01):
        fund.move(price)
        fund.mint_fee_shares(WAD // 100)
    total = fund.decompose().total
    assert only(total, "management_fee") < 0
    # a mint of m shares on S dilutes NAV per share by S / (S + m)
    expected = (Decimal(10_000 * WAD) / (10_000 * WAD + WAD // 50)).ln()
    assert abs(total.management_fee - expected) < TINY


def test_decompose__no_trades_and_no_costs_over_days__all_of_the_gap_is_timing():
    fund = HandFund()
    for day in range(3):
        for price in prices_within_a_day(0.03 * (day + 1), -0.02 * day):
            fund.move(price, seconds=DAY // 2)
    total = fund.decompose().total
    assert abs(total.gap) > Decimal("0.001")  # the ideal re-levered each day, the fund never did
    assert abs(only(total, "timing") - total.gap) < TINY


def test_decompose__rebalances_where_the_ideal_relevers_at_no_cost__tracks_it_exactly():
    fund = HandFund()
    for day in range(3):
        fund.move(prices_within_a_day(0.04 * (-1) ** day)[0], seconds=DAY - 1)  # the day's last price
        fund.rebalance()
        fund.move(fund.price, seconds=1)  # midnight: the ideal re-levers at the same price
    total = fund.decompose().total
    assert abs(total.gap) < TINY
    only(total, "timing")


def test_decompose__a_rebalance_fee_and_slippage__are_the_trading_term():
    fund = HandFund()
    fund.move(prices_within_a_day(0.05)[0], seconds=DAY - 1)
    fund.rebalance(premium_bps=3, fee=120 * USDC)
    fund.move(fund.price, seconds=1)
    decomposition = fund.decompose()
    total = decomposition.total
    assert only(total, "trading") < 0
    assert decomposition.venue_fees == 120 * USDC and decomposition.slippage > 0
    assert abs(total.trading - total.gap) < TINY


def test_decompose__a_ripcord_reward__is_a_trading_cost():
    fund = HandFund()
    fund.move(prices_within_a_day(0.05)[0])
    fund.rebalance(reward=10 * USDC)
    decomposition = fund.decompose()
    assert decomposition.rewards == 10 * USDC
    assert decomposition.total.trading < 0


def test_decompose__a_rebalance_mid_day__timing_is_the_replay_at_its_time_minus_the_ideal():
    fund = HandFund()
    fund.move(prices_within_a_day(0.06)[0])
    fund.rebalance()
    fund.move(prices_within_a_day(0.0)[0])
    total = fund.decompose().total
    # the fund re-levered up at +6 %, then lost more than the ideal on the way back
    assert only(total, "timing") < 0
    assert abs(total.timing - total.gap) < TINY


def test_decompose__mint_whose_trade_cost_the_minter_pays__holders_lose_nothing():
    fund = HandFund()
    fund.move(prices_within_a_day(0.01)[0])
    fund.mint(200_000 * USDC, cost=150 * USDC)
    fund.move(prices_within_a_day(0.02)[0])
    total = fund.decompose().total
    assert abs(total.trading) < TINY  # the minter's trade is not the fund's cost
    assert abs(total.residual) < TINY


def test_decompose__split__changes_no_return():
    fund = HandFund()
    fund.move(prices_within_a_day(0.01)[0])
    fund.split(10)
    fund.move(prices_within_a_day(0.02)[0])
    total = fund.decompose().total
    assert abs(total.fund - fund.growth().ln()) < TINY
    only(total, "timing")


def test_decompose__a_mis_measured_trade_cost__shows_in_the_residual():
    """The residual is measured, not assigned: an input that reports the execution price as the
    oracle's leaves the slippage unexplained, and the residual is exactly that slippage."""
    fund = HandFund()
    fund.move(prices_within_a_day(0.05)[0])
    fund.rebalance(premium_bps=5)
    honest = fund.decompose()
    trade = next(e for e in fund.events if isinstance(e, tracking.Rebalance))
    lying = [
        tracking.Rebalance(**{**{f: getattr(trade, f) for f in trade.__slots__}, "exec_price": trade.price})
        if e is trade
        else e
        for e in fund.events
    ]
    mis_measured = tracking.decompose(tracking.Track(3, True, lying)).total
    assert abs(honest.total.residual) < TINY
    assert mis_measured.trading == 0
    assert abs(mis_measured.residual - honest.total.trading) < TINY


def test_decompose__parts_add_up_to_the_gap_at_every_point():
    fund = HandFund()
    for step, price in enumerate(prices_within_a_day(0.01, 0.05, -0.03, 0.02)):
        fund.move(price, seconds=DAY // 3)
        fund.pay_funding(50 * USDC)
        fund.mint_fee_shares(WAD // 1_000)
        if step % 2:
            fund.rebalance(premium_bps=2, fee=30 * USDC)
        fund.mark()
    for point in fund.decompose().points:
        parts = point.timing + point.trading + point.funding + point.management_fee + point.residual
        assert abs(parts - point.gap) < EXACT


def test_decompose__the_ideal_is_prices_ideal_tracker():
    fund = HandFund(is_long=False, leverage=5)
    tracker = IdealTracker(5, False, START, fund.price)
    for day in range(4):
        for price in prices_within_a_day(0.02 * day, -0.01 * day):
            fund.move(price, seconds=DAY // 2)
            tracker.update(fund.now, price)
    assert abs(fund.decompose().total.ideal - tracker.value.ln()) < Decimal("1e-35")  # to Decimal precision


def test_decompose__a_mark_that_disagrees_with_the_events__raises():
    fund = HandFund()
    fund.move(prices_within_a_day(0.01)[0])
    fund.events.append(tracking.Mark(fund.now, fund.price, fund.nav, fund.shares + 1, fund.size))
    with pytest.raises(BadArgument, match="leaves something out"):
        tracking.decompose(tracking.Track(3, True, fund.events))


def test_decompose__a_track_without_a_first_mark__raises():
    with pytest.raises(BadArgument, match="opens with a Mark"):
        tracking.decompose(tracking.Track(3, True, [tracking.Price(START, WAD)]))


# ---------------------------------------------------------------- simulated months (the backtest)


@pytest.mark.parametrize(("leverage", "is_long"), [(3, True), (3, False), (5, True)])
def test_backtest__thirty_days_with_funding__residual_under_a_basis_point(leverage, is_long):
    prices = generate_prices(days=30, step_seconds=60, seed=7)
    result = backtest.run(prices, leverage=leverage, is_long=is_long, funding_rate_per_second=3 * 10**9)
    decomposition = result.decomposition()
    total = decomposition.total

    assert decomposition.days == 30
    assert abs(decomposition.residual_bp_per_30_days) < 1
    assert decomposition.rebalances == sum(result.rebalances.values())
    assert 0 < decomposition.venue_fees < result.trading_fees  # less the first mint's trade: the minter's
    assert decomposition.funding_paid == result.funding_paid
    assert decomposition.fee_shares == result.management_fee_shares
    assert abs(total.ideal - result.ideal[-1].ln()) < Decimal("1e-20")
    assert total.trading < 0 and total.management_fee < 0
    assert (total.funding < 0) == is_long  # positive funding: longs pay, shorts receive
    summary = result.summary()
    assert abs(summary["residual_bp_per_30d"] - decomposition.residual_bp_per_30_days) < Decimal("1e-6")
    assert summary["tracking_gap_bp"] == (total.gap * 10_000).quantize(Decimal("0.0001"))


def test_backtest__with_a_keeper_delay__residual_under_a_basis_point():
    prices = generate_prices(days=30, step_seconds=300, seed=11)
    result = backtest.run(prices, leverage=3, keeper_delay=30, funding_rate_per_second=-(2 * 10**9))
    assert abs(result.decomposition().residual_bp_per_30_days) < 1


# ---------------------------------------------------------------- from logs and lens rows


def _sample(block, fund: HandFund, fee_bps=0) -> tracking.Sample:
    nav_per_share = fund.nav * WAD // fund.shares
    return tracking.Sample(block, fund.now, fund.price, fund.nav, fund.shares, fund.size, nav_per_share, fee_bps)


def _log(block, index, timestamp, name, **args) -> tracking.Log:
    return tracking.Log(block, index, f"0x{block:x}", timestamp, name, args)


def _rebalanced_on_chain(with_oracle: bool):
    """A hand fund and what the chain would hold of it: an oracle update, a rebalance whose call
    settles funding first, another update; lens samples at the start, in the rebalance's block
    (as the indexer samples) and at the end."""
    fund = HandFund()
    samples, logs = [_sample(10, fund)], []
    fund.move(prices_within_a_day(0.04)[0])
    logs.append(_log(11, 0, fund.now, "AnswerUpdated", current=fund.price // 10**10, updatedAt=fund.now))
    size_before = fund.size
    fund.pay_funding(40 * USDC)
    nav_before = fund.nav
    fund.rebalance(premium_bps=2, fee=25 * USDC)
    trade = next(e for e in reversed(fund.events) if isinstance(e, tracking.Rebalance))
    leverage_before = math.mul_div(abs(size_before) * fund.price // WAD, WAD, nav_before * 10**12, False)
    traded = {"size_delta": fund.size - size_before, "exec_price": trade.exec_price, "size_after": fund.size}
    logs += [
        _log(12, 0, fund.now, "FundingSettled", amount=40 * USDC),
        _log(12, 1, fund.now, "Traded", fee=25 * USDC, **traded),
        _log(
            12,
            2,
            fund.now,
            "Rebalanced",
            size_before=size_before,
            size_after=fund.size,
            leverage_before=leverage_before,
        ),
    ]
    samples.append(_sample(12, fund))
    fund.move(prices_within_a_day(0.05)[0])
    logs.append(_log(13, 0, fund.now, "AnswerUpdated", current=fund.price // 10**10, updatedAt=fund.now))
    samples.append(_sample(13, fund))
    if not with_oracle:
        logs = [log for log in logs if log.name != "AnswerUpdated"]
    return fund, samples, logs


@pytest.mark.parametrize("with_oracle", [True, False], ids=["oracle logs", "prices from same-block samples"])
def test_from_logs__a_rebalance_after_funding__decomposes_as_the_fund_paid(with_oracle):
    fund, samples, logs = _rebalanced_on_chain(with_oracle)

    decomposition = tracking.decompose(tracking.from_logs(3, True, samples, reversed(logs), last_fee_accrual=START))
    hand = fund.decompose()  # the hand fund's own track

    assert decomposition.venue_fees == 25 * USDC and decomposition.funding_paid == 40 * USDC
    assert decomposition.slippage == hand.slippage > 0
    assert abs(decomposition.total.trading - hand.total.trading) < TINY
    assert abs(decomposition.total.funding - hand.total.funding) < TINY
    assert abs(decomposition.total.residual) < TINY


def test_from_logs__accrued_fee_shares__counted_at_each_sample_and_checked_against_nav_per_share():
    nav, supply, bps = 1_000_000 * USDC, 10_000 * WAD, 365
    pending = math.management_fee_shares(supply, bps, DAY)
    rows = [
        tracking.Sample(1, START, WAD, nav, supply, WAD, nav * WAD // supply, bps),
        tracking.Sample(2, START + DAY, WAD, nav, supply, WAD, nav * WAD // (supply + pending), bps),
    ]
    decomposition = tracking.decompose(tracking.from_logs(3, True, rows, [], last_fee_accrual=START))
    assert decomposition.fee_shares == pending
    assert decomposition.total.management_fee < 0 and abs(decomposition.total.residual) < TINY
    with pytest.raises(BadArgument, match="fee accrual time"):
        tracking.from_logs(3, True, rows, [], last_fee_accrual=START + 3_600)
    # without it, the last share-changing call before the first sample sets the clock
    minted = _log(1, 0, START, "Deposit", shares=supply)
    assert tracking.decompose(tracking.from_logs(3, True, rows, [minted])).fee_shares == pending
    with pytest.raises(BadArgument, match="pass last_fee_accrual"):
        tracking.from_logs(3, True, rows, [])


def test_from_logs__a_supply_the_logs_do_not_explain__raises():
    rows = [
        tracking.Sample(1, START, WAD, 10**12, 10**22, WAD, 10**12 * WAD // 10**22, 0),
        tracking.Sample(2, START + 60, WAD, 10**12, 2 * 10**22, WAD, 10**12 * WAD // (2 * 10**22), 0),
    ]
    with pytest.raises(BadArgument, match="the logs imply"):
        tracking.from_logs(3, True, rows, [], last_fee_accrual=START)


def test_log_from_row__index_rows__read_as_the_events_they_store():
    row = SimpleNamespace(
        block_number=7, log_index=2, tx_hash="0xab", timestamp=START, token="0xT", venue="0xV", amount=-12
    )
    log = tracking.log_from_row("funding", row)
    assert log is not None
    assert (log.block, log.index, log.tx, log.timestamp, log.name) == (7, 2, "0xab", START, "FundingSettled")
    assert log.args == {"amount": -12}
    collected = SimpleNamespace(
        block_number=7, log_index=3, tx_hash="0xab", timestamp=START, kind="collected", shares=0
    )
    assert tracking.log_from_row("fee", collected) is None
    oracle = SimpleNamespace(
        block_number=8, log_index=0, tx_hash="0xcd", timestamp=START, name="AnswerUpdated",
        args={"current": "6000000000000", "roundId": "2", "updatedAt": START},
    )  # fmt: skip
    assert tracking.log_from_row("event", oracle).args == {"current": "6000000000000", "updatedAt": START}  # pyright: ignore[reportOptionalMemberAccess]
    columns = {"price": WAD, "nav": 5, "supply": 6, "size": 7, "nav_per_share": 8, "management_fee_bps": 365}
    sample = tracking.sample_from_row(SimpleNamespace(block_number=7, timestamp=START, **columns), funding_owed=3)
    assert sample == tracking.Sample(7, START, WAD, 5, 6, 7, 8, 365, 3)


def test_from_index__rows_of_the_indexer_tables__decompose_as_the_logs_do():
    """The same chain history as index rows (ltsdk.index.models' column names): no oracle rows,
    so trade prices come from the samples in the trades' blocks."""
    _, samples, logs = _rebalanced_on_chain(with_oracle=False)
    table_of = {name: table for table, name in tracking.INDEX_TABLES.items()}
    rows: dict[str, list] = {}
    for log in logs:
        columns = {"block_number": log.block, "log_index": log.index, "tx_hash": log.tx, "timestamp": log.timestamp}
        rows.setdefault(table_of[log.name], []).append(SimpleNamespace(**columns, **log.args))
    deposit = {"block_number": 9, "log_index": 0, "tx_hash": "0x9", "timestamp": START, "shares": 10_000 * WAD}
    rows["mint"] = [SimpleNamespace(**deposit)]  # the first mint: the fee clock starts there
    sample_rows = [
        SimpleNamespace(**{"block_number": s.block, **{f: getattr(s, f) for f in ("timestamp", "price", "nav", "supply",
                        "size", "nav_per_share", "management_fee_bps")}})
        for s in samples
    ]  # fmt: skip

    built = tracking.decompose(tracking.from_index(3, True, sample_rows, rows, funding_owed=0))
    direct = tracking.decompose(tracking.from_logs(3, True, samples, logs, last_fee_accrual=START))

    assert built.total == direct.total and built.funding_paid == 40 * USDC and built.venue_fees == 25 * USDC


# ---------------------------------------------------------------- properties


step = st.tuples(
    st.integers(-300, 300),  # price change, bp
    st.integers(600, DAY),  # seconds
    st.integers(-200, 500),  # funding paid, USDC
    st.integers(0, 10**16),  # fee shares
    st.sampled_from([None, (0, 0), (3, 40), (8, 150)]),  # rebalance (premium bp, fee USDC) or none
)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(step, min_size=1, max_size=25), st.sampled_from([(3, True), (3, False), (5, True), (2, False)]))
def test_decompose__any_path__parts_add_up_and_each_cost_has_its_sign(steps, product):
    leverage, is_long = product
    fund = HandFund(leverage=leverage, is_long=is_long)
    for move_bp, seconds, funding, fee_shares, trade in steps:
        fund.move(fund.price * (10_000 + move_bp) // 10_000, seconds)
        if funding:
            fund.pay_funding(funding * USDC)
        if fee_shares:
            fund.mint_fee_shares(fee_shares)
        if trade is not None:
            fund.rebalance(premium_bps=trade[0], fee=trade[1] * USDC)
        fund.mark()
    decomposition = fund.decompose()
    total = decomposition.total
    parts = total.timing + total.trading + total.funding + total.management_fee + total.residual
    assert abs(parts - total.gap) < EXACT
    assert abs(total.residual) < TINY
    assert abs(total.fund - fund.growth().ln()) < TINY
    assert total.trading <= 0 and total.management_fee <= 0
    if not any(funding for _, _, funding, _, _ in steps):
        assert total.funding == 0


class ChainFund(HandFund):
    """A HandFund that also writes what the chain would hold of it: a block per action with the
    logs it emits, and a lens sample at each mark (no management fee accrues between blocks)."""

    def __init__(self, **kwargs):
        self.logs: list[tracking.Log] = []
        self.samples: list[tracking.Sample] = []
        self.block = 0
        super().__init__(**kwargs)

    def _emit(self, *logs: tuple[str, dict]) -> None:
        self.block += 1
        self.logs += [tracking.Log(self.block, i, f"0x{self.block:x}", self.now, n, a) for i, (n, a) in enumerate(logs)]

    def move(self, price: int, seconds: int = 3_600) -> None:
        price -= price % 10**10  # an 8-decimal oracle answer
        super().move(price, seconds)
        self._emit(("AnswerUpdated", {"current": price // 10**10, "updatedAt": self.now}))

    def pay_funding(self, amount: int) -> None:
        super().pay_funding(amount)
        self._emit(("FundingSettled", {"amount": amount}))

    def mint_fee_shares(self, shares: int) -> None:
        super().mint_fee_shares(shares)
        self._emit(("ManagementFeeMinted", {"shares": shares}))

    def rebalance(self, premium_bps: int = 0, fee: int = 0, reward: int = 0) -> None:
        size_before, nav_before = self.size, self.nav
        super().rebalance(premium_bps, fee, reward)
        trade = self.events[-1]
        assert isinstance(trade, tracking.Rebalance)
        notional = math.mul_div(abs(size_before), self.price, WAD, False)
        traded = {"size_delta": self.size - size_before, "exec_price": trade.exec_price, "fee": fee}
        leverage_before = math.mul_div(notional, WAD, nav_before * 10**12, False)
        if reward:
            self._emit(
                ("Traded", {**traded, "size_after": self.size}),
                ("Ripcord", {"reward": reward, "leverage_before": leverage_before}),
            )
        else:
            rebalanced = {"size_before": size_before, "size_after": self.size, "leverage_before": leverage_before}
            self._emit(("Traded", {**traded, "size_after": self.size}), ("Rebalanced", rebalanced))

    def shutdown_chunk(self, size_after: int, first: bool, fee: int) -> None:
        """emergency_shutdown(): the first call logs Shutdown, every call trades toward flat and
        logs nothing else; a lens sample in the same block."""
        size_before = self.size
        self.trade_to(size_after, premium_bps=4, fee=fee)
        trade = self.events[-1]
        assert isinstance(trade, tracking.Rebalance)
        traded = {"size_delta": self.size - size_before, "exec_price": trade.exec_price, "fee": fee}
        self._emit(*([("Shutdown", {})] if first else []), ("Traded", {**traded, "size_after": self.size}))
        self.mark(same_block=True)

    def mark(self, same_block: bool = False) -> None:
        super().mark()
        self.block += 0 if same_block else 1
        nav_per_share = self.nav * WAD // self.shares
        self.samples.append(
            tracking.Sample(self.block, self.now, self.price, self.nav, self.shares, self.size, nav_per_share, 0)
        )


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.lists(step, min_size=1, max_size=15), st.sampled_from([(3, True), (5, False)]), st.booleans())
def test_from_logs__any_path_written_as_logs_and_rows__decomposes_as_the_fund_itself(steps, product, ripcord):
    leverage, is_long = product
    fund = ChainFund(leverage=leverage, is_long=is_long)
    for move_bp, seconds, funding, fee_shares, trade in steps:
        fund.move(fund.price * (10_000 + move_bp) // 10_000, seconds)
        if funding:
            fund.pay_funding(funding * USDC)
        if fee_shares:
            fund.mint_fee_shares(fee_shares)
        if trade is not None:
            fund.rebalance(premium_bps=trade[0], fee=trade[1] * USDC, reward=10 * USDC if ripcord else 0)
        fund.mark()
    hand = fund.decompose()
    built = tracking.decompose(tracking.from_logs(leverage, is_long, fund.samples, fund.logs, last_fee_accrual=START))
    for name, value in terms(built.total).items():
        assert abs(value - terms(hand.total)[name]) < TINY, name
    assert (built.venue_fees, built.slippage, built.rewards, built.funding_paid, built.fee_shares) == (
        hand.venue_fees,
        hand.slippage,
        hand.rewards,
        hand.funding_paid,
        hand.fee_shares,
    )


def test_from_logs__emergency_shutdown_chunks__are_the_fund_own_trades_and_the_fee_stops():
    fund = ChainFund()
    fund.move(prices_within_a_day(0.02)[0])
    fund.mark()
    fund.shutdown_chunk(fund.size // 2, first=True, fee=40 * USDC)
    fund.move(prices_within_a_day(-0.01)[0])
    fund.shutdown_chunk(0, first=False, fee=35 * USDC)
    fund.move(prices_within_a_day(0.03)[0])
    fund.mark()
    hand = fund.decompose()
    # rows after the shutdown read a 365 bp/year fee: it would have accrued shares, but has stopped
    shutdown_block = next(log.block for log in fund.logs if log.name == "Shutdown")
    rows = [dataclasses.replace(r, management_fee_bps=365) if r.block > shutdown_block else r for r in fund.samples]
    built = tracking.decompose(tracking.from_logs(3, True, rows, fund.logs, last_fee_accrual=START))

    assert built.rebalances == 2 and built.venue_fees == 75 * USDC and built.fee_shares == 0
    assert abs(built.total.trading - hand.total.trading) < TINY and built.total.trading < 0
    assert abs(built.total.residual) < TINY


@settings(max_examples=8, deadline=None, derandomize=True, database=None)
@given(st.integers(1, 10**6), st.sampled_from([(3, True), (3, False), (5, False)]), st.integers(-5, 5))
def test_backtest__any_seed__residual_under_a_basis_point_per_thirty_days(seed, product, funding):
    leverage, is_long = product
    prices = generate_prices(days=4, step_seconds=600, seed=seed)
    result = backtest.run(prices, leverage=leverage, is_long=is_long, funding_rate_per_second=funding * 10**9)
    assert abs(result.decomposition().residual_bp_per_30_days) < 1
