# pragma version ~=0.4.3
"""
@title Leveraged token views
@notice Everything LeveragedToken derives from its state without changing it: the exact
        ERC-4626 previews (and the exact-output searches its mint() and withdraw() run), the
        conversions, rebalance and split status. Stateless and shared by every token: a token
        passes its own state (it cannot be re-entered for it mid-transaction), and this contract
        asks the token's venue what each in-kind trade would leave (`preview_equity`). It lives
        outside the token to keep the token under the EIP-170 code-size limit; the token's own
        view functions forward here.
        Units and rounding as in lt_math.vy; every result favours the fund.
@custom:kill Nothing to kill: no state, no privileges. A token's views contract is fixed at deployment.
"""

from .interfaces import IPerpAdapter
from snekmate.utils import math
from . import constants
from . import lt_math

# rounds of the exact-output searches (mint, withdraw). Each step is the shortfall at the
# average rate seen so far, which (trade costs being convex) never passes the answer; the
# shortfall then shrinks each round by at least the ratio of the trade's marginal to its average
# cost (16 rounds leave room for a 5x mint that moves the venue, which 8 at-NAV rounds did not)
MAX_SEARCH_STEPS: constant(uint256) = 16
# rounds of the max* search for the largest trade the fund's price limit accepts: one for a
# venue whose price impact is linear in size, a few more where it refuses huge trades
MAX_LIMIT_STEPS: constant(uint256) = 12
# rounds of the search for how much more of its position an exit must close and reopen to realise
# the PnL the venue must release: each round adds the remaining shortfall at the gain per unit
# over the position's entry price, so the shortfall left is the round trip's cost on the last
# round's addition (a few basis points of it)
MAX_REALISE_STEPS: constant(uint256) = 8
# rounds of halving a max* answer until the venue accepts its trades and releases what it takes
MAX_VENUE_STEPS: constant(uint256) = 8
# the venue margin a rebalance restores, in bps of NAV, when its trade would leave the margin below
# zero: about a week of funding at 0.01 %/8 h on a 5x fund, so the exits in between rarely have
# to realise PnL themselves (rebalance_realise)
REBALANCE_MARGIN_BPS: constant(uint256) = 100
# no single entry point takes more than this (assets, or shares in wei): beyond any fund, and
# far below where the searches' products overflow
MAX_AMOUNT: constant(uint256) = 2**128


@external
@view
def preview_deposit(s: lt_math.FundState, assets: uint256) -> uint256:
    """
    @notice Shares deposit(assets) mints now: the NAV the in-kind mint adds, after the mint fee
            and the venue's fee, spread and impact.
    """
    return self._shares_for_deposit(s, assets)


@external
@view
def preview_mint(s: lt_math.FundState, shares: uint256) -> uint256:
    """
    @notice Assets mint(shares) charges now: the fewest found whose deposit mints `shares`.
            Starts from the fee-grossed NAV value of the shares, then adds each round's
            shortfall (the trade's cost) at the average cost so far, until covered.
    """
    assert shares <= MAX_AMOUNT, "lt: cap"
    target: uint256 = shares
    if s.supply == 0:
        target += constants.DEAD_SHARES
    value_needed: uint256 = lt_math._value_for_shares(
        s.supply, convert(max(s.nav, 0), uint256), target, s.initial_nav_per_share, True
    )
    assets: uint256 = lt_math._gross_up(value_needed, s.mint_fee_bps)
    for _: uint256 in range(MAX_SEARCH_STEPS):
        # one venue quote per round: the NAV this deposit adds gives both its shares and its cost
        added: uint256 = self._mint_value_added(s, assets)
        if lt_math._shares_minted(s, added) >= shares:
            return assets
        shortfall: uint256 = value_needed - min(added, value_needed - 1)
        if added == 0:
            assets += lt_math._gross_up(shortfall, s.mint_fee_bps)
        else:
            assets += math._mul_div(shortfall, assets, added, True)
    raise "lt: no convergence"


@external
@view
def preview_redeem(s: lt_math.FundState, shares: uint256) -> uint256:
    """
    @notice Assets redeem(shares) pays now, after the slice's trade and the redeem fee; when
            insolvent, the shares' pro-rata part of what can still leave the fund.
    """
    return self._preview_redeem(s, shares)


@external
@view
def preview_withdraw(s: lt_math.FundState, assets: uint256) -> uint256:
    """
    @notice Shares withdraw(assets) burns now: the fewest found whose redemption takes the
            fee-grossed `assets` out of the fund. Starts from their NAV value, then adds each
            round's shortfall (the trade's cost) at the average rate so far, until covered.
    """
    assert s.nav > 0, "lt: insolvent"
    assert assets <= convert(s.nav, uint256), "lt: balance"
    shares: uint256 = 0
    found: bool = False
    shares, found = self._withdraw_search(s, assets)
    assert shares <= s.supply, "lt: balance"
    assert found, "lt: no convergence"
    return shares


@external
@view
def exit_trades(s: lt_math.FundState, shares: uint256) -> (int256, int256, uint256):
    """
    @notice The trades redeeming `shares` makes now (WAD units, signed) and the fund's part of
            their cost (assets): `close`, the shares' slice of the position, and `reopen`,
            nonzero when the venue would not then release what the exit takes out of the fund
            (its margin drained by funding and fees while the PnL is unrealised): `close` then
            also closes `reopen` more of the position, which realises its PnL into margin, and
            `reopen` buys it back. While the margin is below zero the fund's own part of that
            (what restores REBALANCE_MARGIN_BPS of NAV, as rebalance_realise does) comes first
            and at the fund's cost: `fund_cost` is what the fund's round trip costs alone plus
            the fund's share by units of what trading it in one order with the redeemer's own
            trades (its slice, and any further part its payout still needs) costs beyond the
            two alone (_fund_share), and the exit is priced on NAV - `fund_cost`. (slice, 0, 0)
            where realising cannot help; the exit then reverts at the venue.
    """
    close: int256 = 0
    reopen: int256 = 0
    fund_cost: uint256 = 0
    equity: int256 = 0
    ok: bool = False
    close, reopen, fund_cost, equity, ok = self._exit_trades(s, shares)
    return close, reopen, fund_cost


@external
@view
def rebalance_realise(s: lt_math.FundState, size_delta: int256, max_notional: uint256, max_slippage_bps: uint256) -> int256:
    """
    @notice The part of the position (WAD units, signed like it) a rebalance trading `size_delta`
            closes first and then buys back with its own trade, so that realised PnL refills the
            venue margin: nonzero only when the trade alone would leave the margin below zero
            (funding drains it while a trend's PnL stays unrealised); it aims at
            REBALANCE_MARGIN_BPS of NAV, closes at most `max_notional` assets of notional, and
            both trades must be accepted by the venue inside the fund's price limit. The fund
            pays the round trip, as it pays every rebalance.
    """
    if s.size == 0:
        return 0
    p: IPerpAdapter.AccountPreview = staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, size_delta, 0)
    if p.margin >= 0:
        return 0
    gain: int256 = self._gain_per_unit(s)
    if gain <= 0:
        return 0
    target: int256 = convert(math._mul_div(convert(s.nav, uint256), REBALANCE_MARGIN_BPS, constants.BPS, False), int256)
    room: uint256 = convert(abs(lt_math._clamp_trade(s.size, s.price, max_notional, s.asset_scale)), uint256)
    deficit: int256 = target - p.margin
    extra: uint256 = 0
    best: int256 = 0
    for _: uint256 in range(MAX_REALISE_STEPS):
        extra = self._realise_step(deficit, gain, s.asset_scale, extra, room)
        q: int256 = self._signed_like_position(s, extra)
        if size_delta + q == 0:
            break
        if self._limit_slack(s, max_slippage_bps, -q) < 0 or self._limit_slack(s, max_slippage_bps, size_delta + q) < 0:
            break
        trial: IPerpAdapter.AccountPreview = staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, -q, size_delta + q)
        if not trial.accepted:
            break
        best = q
        deficit = target - trial.margin
        if deficit <= 0 or extra == room:
            break
    return best


@external
@view
def convert_to_shares(s: lt_math.FundState, assets: uint256) -> uint256:
    """
    @notice Shares worth `assets` at NAV, before fees and trading costs (rounded down).
    """
    if s.supply > 0 and s.nav <= 0:
        return 0
    return lt_math._shares_for_value(s.supply, convert(max(s.nav, 0), uint256), assets, s.initial_nav_per_share)


@external
@view
def convert_to_assets(s: lt_math.FundState, shares: uint256) -> uint256:
    """
    @notice Assets that `shares` are worth at NAV, before fees and trading costs: shares x NAV /
            supply, rounded down once (0 when insolvent).
    """
    if s.supply > 0 and s.nav <= 0:
        return 0
    return lt_math._value_for_shares(s.supply, convert(max(s.nav, 0), uint256), shares, s.initial_nav_per_share, False)


@external
@view
def max_deposit(s: lt_math.FundState, cap: uint256, max_slippage_bps: uint256) -> uint256:
    """
    @notice The room under the cap (`cap` - NAV), or less: the most whose in-kind trade the
            fund's price limit (oracle price -+ `max_slippage_bps`) accepts, to within ~0.1 %,
            halved until the venue accepts it (0 while trading is paused or the trade would
            pass the venue's max leverage).
    """
    nav: uint256 = convert(max(s.nav, 0), uint256)
    if nav >= cap:
        return 0
    return self._largest_the_venue_takes(s, max_slippage_bps, True, self._largest_within_limit(s, max_slippage_bps, True, cap - nav))


@external
@view
def max_mint(s: lt_math.FundState, max_assets: uint256) -> uint256:
    """
    @notice Shares a deposit of 99.9 % of `max_assets` (maxDeposit) mints now; mint() of them
            charges at most that, its search's rounding included.
    """
    return min(self._shares_for_deposit(s, max_assets - max_assets // 1_000), MAX_AMOUNT)


@external
@view
def leverage(s: lt_math.FundState) -> uint256:
    """
    @notice |size| * price / NAV, WAD.
    """
    return lt_math._leverage(s.size, s.price, s.nav, s.asset_scale)


@external
@view
def max_redeem(s: lt_math.FundState, balance: uint256, max_slippage_bps: uint256) -> uint256:
    """
    @notice `balance`, or less: the most shares whose slice's trade the fund's price limit
            accepts (to within ~0.1 %), halved until the venue accepts the exit's trades and
            then releases what it takes; 0 while a position is open on a stale price or the
            venue's trading is paused.
    """
    return self._max_redeem(s, max_slippage_bps, balance)


@external
@view
def max_withdraw(s: lt_math.FundState, balance: uint256, max_slippage_bps: uint256) -> uint256:
    """
    @notice What redeeming max_redeem(balance) pays now, less a margin of a few base units:
            the most found that withdraw()'s share search covers within `balance` (it may
            overshoot the fewest shares by the shares one base unit costs). 0 on insolvency.
    """
    if s.nav <= 0:
        return 0
    shares: uint256 = self._max_redeem(s, max_slippage_bps, balance)
    if shares == 0:
        return 0
    paid: uint256 = self._preview_redeem(s, shares)
    if paid == 0:
        return 0
    # shares per base unit paid, at the whole slice's (worst) rate, twice over, plus rounding
    margin: uint256 = 2 * math._mul_div(shares, 1, paid, True) + 2
    for _: uint256 in range(3):
        if shares <= margin:
            return 0
        assets: uint256 = self._preview_redeem(s, shares - margin)
        if assets == 0:
            return 0
        needed: uint256 = 0
        found: bool = False
        needed, found = self._withdraw_search(s, assets)
        if found and needed <= shares and self._venue_takes(s, max_slippage_bps, False, needed):
            return assets
        margin *= 4
    return 0


@external
@view
def rebalance_status(s: lt_math.FundState, r: lt_math.RebalanceState) -> (uint8, int256, int256):
    """
    @notice (reason, size to trade now, whole size to target); see lt_math._rebalance_status.
    """
    return lt_math._rebalance_status(s, r)


@external
@view
def split_status(s: lt_math.FundState, lower: uint256, upper: uint256) -> (uint256, bool):
    """
    @notice (factor, is_reverse) a keeper may apply now; see lt_math._split_status.
    """
    return lt_math._split_status(lt_math._nav_per_share(s), s.supply > 0, lower, upper)


@internal
@view
def _withdraw_search(s: lt_math.FundState, assets: uint256) -> (uint256, bool):
    """
    @dev (shares, True): the fewest shares found whose redemption takes gross_up(`assets`) out of
         the fund; (shares so far, False) if the search ran out of rounds or past the supply.
         Needs NAV > 0 and `assets` <= NAV.
    """
    gross: uint256 = lt_math._gross_up(assets, s.redeem_fee_bps)
    nav: uint256 = convert(s.nav, uint256)
    shares: uint256 = math._mul_div(gross, s.supply, nav, True)
    for _: uint256 in range(MAX_SEARCH_STEPS):
        if shares > s.supply:
            return shares, False
        taken: int256 = self._redeem_value(s, shares)
        if taken >= convert(gross, int256):
            return shares, True
        shortfall: uint256 = convert(convert(gross, int256) - max(taken, 0), uint256)
        if taken <= 0:
            shares += math._mul_div(shortfall, s.supply, nav, True)
        else:
            shares += math._mul_div(shortfall, shares, convert(taken, uint256), True)
    return shares, False


@internal
@view
def _max_redeem(s: lt_math.FundState, max_slippage_bps: uint256, balance: uint256) -> uint256:
    if balance == 0 or (not s.fresh and s.size != 0):
        return 0
    if s.nav <= 0:  # an insolvent fund pays out pro rata without trading, if anything is left
        if self._preview_redeem(s, balance) == 0:
            return 0
        return balance
    return self._largest_the_venue_takes(s, max_slippage_bps, False, self._largest_within_limit(s, max_slippage_bps, False, balance))


@internal
@view
def _largest_the_venue_takes(s: lt_math.FundState, max_slippage_bps: uint256, is_mint: bool, amount: uint256) -> uint256:
    """
    @dev `amount` (assets to mint with, or shares to redeem), halved until the venue takes it
         (_venue_takes); 0 if none of MAX_VENUE_STEPS halvings does.
    """
    x: uint256 = amount
    for _: uint256 in range(MAX_VENUE_STEPS):
        if x == 0 or self._venue_takes(s, max_slippage_bps, is_mint, x):
            return x
        x //= 2
    return 0


@internal
@view
def _venue_takes(s: lt_math.FundState, max_slippage_bps: uint256, is_mint: bool, amount: uint256) -> bool:
    """
    @dev Whether the venue executes the in-kind trade of a mint paying `amount` assets (trading
         open, within its max leverage), or a redeem of `amount` shares: both its trades, each
         inside the fund's price limit, and then releases what the exit takes.
    """
    if is_mint:
        net: uint256 = amount - lt_math._fee(amount, s.mint_fee_bps)
        return (staticcall IPerpAdapter(s.adapter).preview_account(s.token, convert(net, int256), lt_math._mint_size_delta(s, net), 0)).accepted
    close: int256 = 0
    reopen: int256 = 0
    fund_cost: uint256 = 0
    equity: int256 = 0
    ok: bool = False
    close, reopen, fund_cost, equity, ok = self._exit_trades(s, amount)
    return ok and (
        reopen == 0
        or (self._limit_slack(s, max_slippage_bps, close) >= 0 and self._limit_slack(s, max_slippage_bps, reopen) >= 0)
    )


@internal
@view
def _exit_trades(s: lt_math.FundState, shares: uint256) -> (int256, int256, uint256, int256, bool):
    """
    @dev (close, reopen, fund_cost, venue equity after both, whether the venue executes both and
         then releases what the exit takes out of the fund); see exit_trades. Needs NAV > 0.
         Only margin leaves the venue, and closing part of the position realises that part's
         PnL into margin: so when the slice's own trade leaves too little margin, a further
         `extra` is closed with it and reopened. It starts at the fund's part (_fund_realise:
         nonzero only while the margin is below zero) and grows in rounds of (margin still
         missing) / (gain per unit: price - entry price, for a short entry - price), each
         previewed; the redeemer pays what its own trades would cost alone (the slice, and
         `extra` beyond the fund's part), the fund its round trip alone, and the excess of the
         one order over those two is split by their units (_fund_share).
    """
    close: int256 = lt_math._redeem_size_delta(s, shares)
    p: IPerpAdapter.AccountPreview = staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, close, 0)
    short: int256 = 0
    deficit: int256 = 0
    short, deficit = self._release_shortfall(s, 0, shares, p)
    if short <= 0 or not p.accepted or deficit <= 0:  # paid, refused, or margin is not what binds
        return close, 0, 0, p.equity, p.accepted and short <= 0
    gain: int256 = self._gain_per_unit(s)
    if gain <= 0:  # a position at a loss: margin is not what binds, realising cannot help
        return close, 0, 0, p.equity, False
    room: uint256 = convert(abs(s.size + close), uint256)  # the part of the position that stays
    fund_part: uint256 = 0
    equity_now: int256 = 0
    fund_part, equity_now = self._fund_realise(s, gain, room)
    extra: uint256 = fund_part
    if extra == 0:
        extra = self._realise_step(deficit, gain, s.asset_scale, 0, room)
    for _: uint256 in range(MAX_REALISE_STEPS):
        q: int256 = self._signed_like_position(s, extra)
        if self._limit_slack(s, 0, close - q) == min_value(int256):  # the book cannot fill it
            break
        trial: IPerpAdapter.AccountPreview = staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, close - q, q)
        if not trial.accepted:
            break
        fund_cost: uint256 = 0
        if fund_part != 0:
            # the redeemer's own trades alone: its slice, and what it closes beyond the fund's part
            alone: int256 = p.equity
            if extra != fund_part:
                own: int256 = self._signed_like_position(s, extra - fund_part)
                alone = (staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, close - own, own)).equity
            fund_q: int256 = self._signed_like_position(s, fund_part)
            fund_alone: int256 = (staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, -fund_q, fund_q)).equity
            fund_cost = self._fund_share(
                convert(max(equity_now - fund_alone, 0), uint256),
                convert(max(alone - trial.equity, 0), uint256),
                convert(abs(close), uint256) + extra - fund_part,
                fund_part,
            )
        short, deficit = self._release_shortfall(s, fund_cost, shares, trial)
        if short <= 0:
            return close - q, q, fund_cost, trial.equity, True
        if extra == room or deficit <= 0:
            break
        extra = self._realise_step(deficit, gain, s.asset_scale, extra, room)
    return close, 0, 0, p.equity, False


@internal
@view
def _fund_realise(s: lt_math.FundState, gain: int256, room: uint256) -> (uint256, int256):
    """
    @dev (the fund's part of an exit's realisation, position units, unsigned; the venue equity
         now, assets): the part is 0 unless the venue margin is below zero now; then one round
         of what rebalance_realise aims at, the units whose closing realises (REBALANCE_MARGIN_BPS
         of NAV - margin) at `gain` per unit, at most `room`. One round leaves the margin short of
         that buffer by the round trip's cost (a few bps of it) and saves the exit's searches
         (withdraw previews each candidate) a search of their own.
    """
    now: IPerpAdapter.AccountPreview = staticcall IPerpAdapter(s.adapter).preview_account(s.token, 0, 0, 0)
    if now.margin >= 0:
        return 0, now.equity
    target: int256 = convert(math._mul_div(convert(s.nav, uint256), REBALANCE_MARGIN_BPS, constants.BPS, False), int256)
    return self._realise_step(target - now.margin, gain, s.asset_scale, 0, room), now.equity


@internal
@pure
def _fund_share(fund_alone: uint256, joint: uint256, exit_units: uint256, fund_units: uint256) -> uint256:
    """
    @dev The fund's part of the cost of trading an exit's units and its own in one order (assets,
         rounded down: the exit is priced on NAV less it, so down is against the redeemer):
         `fund_alone`, what the fund's own round trip costs by itself, plus its share by units,
         fund_units / (exit_units + fund_units), of the excess of the one order over the two
         alone; `joint` (the one order's cost less the exit's own trades' alone) is that excess
         plus `fund_alone`. So the fund's part tends to its own round trip's cost for a large
         exit (whose extra impact those who stay do not pay) and to `joint` for a small one
         (whose redeemer does not pay for the fund's impact).
    """
    total: uint256 = exit_units + fund_units
    return math._mul_div(fund_alone, exit_units, total, False) + math._mul_div(joint, fund_units, total, False)


@internal
@pure
def _realise_step(deficit: int256, gain: int256, asset_scale: uint256, extra: uint256, room: uint256) -> uint256:
    """
    @dev `extra` plus the units whose closing realises `deficit` (assets) at `gain` per unit
         (WAD USD), rounded up, at most `room`.
    """
    return min(extra + math._mul_div(convert(deficit, uint256) * asset_scale, constants.WAD, convert(gain, uint256), True), room)


@internal
@pure
def _signed_like_position(s: lt_math.FundState, units: uint256) -> int256:
    """
    @dev `units` of the position, signed like it (a short's are negative).
    """
    if s.size < 0:
        return -convert(units, int256)
    return convert(units, int256)


@internal
@view
def _gain_per_unit(s: lt_math.FundState) -> int256:
    """
    @dev The PnL closing one unit of the position realises at the oracle price, before the
         trade's costs (WAD USD per unit): price - entry price for a long, entry - price for a short.
    """
    size: int256 = 0
    entry: uint256 = 0
    margin: int256 = 0
    size, entry, margin = staticcall IPerpAdapter(s.adapter).position(s.token)
    gain: int256 = convert(s.price, int256) - convert(entry, int256)
    if s.size < 0:
        return -gain
    return gain


@internal
@view
def _release_shortfall(s: lt_math.FundState, fund_cost: uint256, shares: uint256, p: IPerpAdapter.AccountPreview) -> (int256, int256):
    """
    @dev What redeeming `shares` would take out of the fund (after the trades `p` previews, priced
         on NAV - `fund_cost`) less what the fund could then pay (its idle collateral and what
         the venue releases), and less its idle collateral and margin (signed): the margin
         realised PnL must still add.
    """
    taken: int256 = lt_math._redeem_value(s.supply, convert(s.nav, uint256) - fund_cost, convert(s.idle_assets, int256) + p.equity, shares) - convert(s.idle_assets, int256)
    return taken - convert(p.withdrawable, int256), taken - p.margin


@internal
@view
def _trade_for(s: lt_math.FundState, is_mint: bool, amount: uint256) -> int256:
    """
    @dev The in-kind trade of a mint paying `amount` assets, or of a redeem of `amount` shares.
    """
    if is_mint:
        return lt_math._mint_size_delta(s, amount - lt_math._fee(amount, s.mint_fee_bps))
    return lt_math._redeem_size_delta(s, amount)


@internal
@view
def _limit_slack(s: lt_math.FundState, max_slippage_bps: uint256, size_delta: int256) -> int256:
    """
    @dev How far inside the fund's price limit the venue would fill `size_delta` now (WAD price;
         negative outside, min_value if the venue refuses to quote it).
    """
    if size_delta == 0:
        return max_value(int256)
    success: bool = False
    response: Bytes[64] = b""
    success, response = raw_call(
        s.adapter,
        abi_encode(s.token, size_delta, method_id=method_id("quote_trade(address,int256)")),
        max_outsize=64,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success or len(response) != 64:
        return min_value(int256)
    exec_price: uint256 = 0
    fee: uint256 = 0
    exec_price, fee = abi_decode(response, (uint256, uint256))
    limit: int256 = convert(lt_math._limit_price(s.price, max_slippage_bps, size_delta > 0), int256)
    if size_delta > 0:
        return limit - convert(exec_price, int256)
    return convert(exec_price, int256) - limit


@internal
@view
def _largest_within_limit(
    s: lt_math.FundState, max_slippage_bps: uint256, is_mint: bool, amount: uint256
) -> uint256:
    """
    @dev The largest x <= `amount` (assets to mint with, or shares to redeem) found whose trade
         the fund's price limit accepts: `amount` itself, or where the line through the smallest
         trade's slack (one wei of size) and the last x quoted crosses the limit, less 0.1 %: for
         a venue whose premium is linear in size the first such x is inside, and it is returned.
         Where the venue refuses to quote an x, the next x is a thousandth of it. 0 if none fits.
    """
    most: uint256 = min(amount, MAX_AMOUNT)
    trade: int256 = self._trade_for(s, is_mint, most)
    x_slack: int256 = self._limit_slack(s, max_slippage_bps, trade)
    if x_slack >= 0:
        return most
    # the slack of the smallest trade: the part of the premium that does not grow with size
    base_slack: int256 = self._limit_slack(s, max_slippage_bps, 1 if trade > 0 else -1)
    if base_slack <= 0:
        return 0
    x: uint256 = most
    inside: uint256 = 0  # the largest x quoted inside the limit
    for _: uint256 in range(MAX_LIMIT_STEPS):
        refused: bool = x_slack == min_value(int256)
        guess: uint256 = x // 1_000
        if not refused:
            if x_slack >= base_slack:  # the premium does not grow with size
                return x
            guess = math._mul_div(x, convert(base_slack, uint256), convert(base_slack - x_slack, uint256), False)
            guess = min(guess - guess // 1_000, most)
        if guess == 0:
            return inside
        x_slack = self._limit_slack(s, max_slippage_bps, self._trade_for(s, is_mint, guess))
        if x_slack >= 0:
            if not refused:
                return max(guess, inside)
            inside = max(inside, guess)
        x = guess
    return inside


@internal
@view
def _preview_redeem(s: lt_math.FundState, shares: uint256) -> uint256:
    if shares == 0:
        return 0
    assert shares <= s.supply, "lt: balance"
    if s.nav <= 0:
        available: uint256 = s.idle_assets + staticcall IPerpAdapter(s.adapter).max_withdrawable(s.token)
        return lt_math._insolvent_payout(available, shares, s.supply)
    gross: int256 = self._redeem_value(s, shares)
    if gross <= 0:
        return 0
    return convert(gross, uint256) - lt_math._fee(convert(gross, uint256), s.redeem_fee_bps)


@internal
@view
def _mint_value_added(s: lt_math.FundState, assets: uint256) -> uint256:
    """
    @dev NAV a deposit of `assets` adds, as the venue quotes it now (0 if the trade costs all).
    """
    net: uint256 = assets - lt_math._fee(assets, s.mint_fee_bps)
    nav_after: int256 = convert(s.idle_assets, int256) + staticcall IPerpAdapter(s.adapter).preview_equity(
        s.token, convert(net, int256), lt_math._mint_size_delta(s, net)
    )
    return convert(max(nav_after - s.nav, 0), uint256)


@internal
@view
def _shares_for_deposit(s: lt_math.FundState, assets: uint256) -> uint256:
    if assets == 0:
        return 0
    return lt_math._shares_minted(s, self._mint_value_added(s, assets))


@internal
@view
def _redeem_value(s: lt_math.FundState, shares: uint256) -> int256:
    """
    @dev What redeeming `shares` would take out of the fund after its trades (exit_trades), as
         the venue previews them now.
    """
    close: int256 = 0
    reopen: int256 = 0
    fund_cost: uint256 = 0
    equity: int256 = 0
    ok: bool = False
    close, reopen, fund_cost, equity, ok = self._exit_trades(s, shares)
    return lt_math._redeem_value(s.supply, convert(s.nav, uint256) - fund_cost, convert(s.idle_assets, int256) + equity, shares)
