# pragma version ~=0.4.3
"""
@title Leveraged-token math
@notice The one home for the token's share, fee, leverage, price-freshness and rebalance-slot
        formulas, used by the token, its views contract and the lens. Each function names its
        rounding; every direction favours the fund over the caller. `ltsdk.model` mirrors these
        functions line by line, reverts included; tests/fuzz/test_lt_math.py holds each one to
        its twin over the whole integer range (through mocks/MockMath.vy).
        Units: assets in collateral base units, shares in 18-decimal wei, prices and leverage in
        WAD, fees in basis points, times in seconds.
"""

from snekmate.utils import math
from . import constants

WAD: constant(uint256) = constants.WAD
BPS: constant(uint256) = constants.BPS
SECONDS_PER_YEAR: constant(uint256) = 365 * 86_400


struct FundState:
    token: address  # the fund, i.e. its venue account
    adapter: address
    supply: uint256  # shares, including management-fee shares not yet minted
    nav: int256  # assets
    size: int256  # WAD units of underlying, signed
    price: uint256  # WAD
    fresh: bool  # the price may be traded on
    idle_assets: uint256
    target_leverage: uint256  # WAD
    is_long: bool
    asset_scale: uint256  # 10**(18 - asset decimals)
    initial_nav_per_share: uint256  # assets per 1e18 shares at the first mint
    mint_fee_bps: uint256
    redeem_fee_bps: uint256
    max_slippage_bps: uint256  # the fund's price limit on its trades


struct RebalanceState:
    is_shutdown: bool
    band_bps: uint256
    ripcord_leverage: uint256  # WAD
    min_drift_bps: uint256
    max_trade_notional: uint256  # assets
    chunk_pending: bool  # the last rebalance was clamped
    slot_open: bool  # a scheduled slot has opened since the last rebalance


# rebalance_status() reasons (PROTOCOL.md §3.4)
REASON_NONE: constant(uint8) = 0
REASON_SCHEDULED: constant(uint8) = 1
REASON_BAND: constant(uint8) = 2
REASON_CHUNK: constant(uint8) = 3
REASON_RIPCORD: constant(uint8) = 4
REASON_IN_FLIGHT: constant(uint8) = 5  # the async token only: a round's order is at the venue, no second one


@internal
@pure
def _fee(amount: uint256, fee_bps: uint256) -> uint256:
    """
    @dev Fee on a gross amount, rounded up.
    """
    return math._mul_div(amount, fee_bps, BPS, True)


@internal
@pure
def _gross_up(net: uint256, fee_bps: uint256) -> uint256:
    """
    @dev The smallest gross amount whose fee-deducted remainder is at least `net`.
    """
    gross: uint256 = math._mul_div(net, BPS, BPS - fee_bps, True)
    if gross - self._fee(gross, fee_bps) < net:
        gross += 1
    return gross


@internal
@pure
def _management_fee_shares(supply: uint256, fee_bps_per_year: uint256, elapsed: uint256) -> uint256:
    """
    @dev Shares to mint so that the fee recipient owns the fraction f = bps * elapsed / (BPS * year)
         of the fund after minting: supply * f / (1 - f), rounded up. `elapsed` is capped at one year
         so that a long-idle token cannot mint an unbounded fee.
    """
    accrued: uint256 = fee_bps_per_year * min(elapsed, SECONDS_PER_YEAR)
    return math._mul_div(supply, accrued, BPS * SECONDS_PER_YEAR - accrued, True)


@internal
@pure
def _shares_for_value(supply: uint256, nav: uint256, worth: uint256, initial_nav_per_share: uint256) -> uint256:
    """
    @dev Shares worth `worth` assets at NAV `nav` over `supply` shares, rounded down; before the
         first mint, at the initial NAV per share.
    """
    if supply == 0:
        return math._mul_div(worth, WAD, initial_nav_per_share, False)
    return math._mul_div(worth, supply, nav, False)


@internal
@pure
def _value_for_shares(
    supply: uint256, nav: uint256, shares: uint256, initial_nav_per_share: uint256, roundup: bool
) -> uint256:
    """
    @dev Assets `shares` are worth at NAV `nav` over `supply` shares, rounded once, in the
         direction given (up: what they must add to the fund, the inverse of _shares_for_value;
         down: what they are worth to a holder, convertToAssets); before the first mint, at the
         initial NAV per share. Never through the rounded NAV per share, which loses up to one
         base unit per whole share.
    """
    if supply == 0:
        return math._mul_div(shares, initial_nav_per_share, WAD, roundup)
    return math._mul_div(shares, nav, supply, roundup)


@internal
@pure
def _redeem_value(supply: uint256, nav_before: uint256, nav_after: int256, shares: uint256) -> int256:
    """
    @dev What leaving with `shares` takes out of the fund: NAV after the redeemer's own trade minus
         what the remaining shares owned before, the latter rounded up, so those who stay never
         pay for the leaver's trade or rounding. Negative when the trade costs more than the shares are worth.
    """
    remaining: uint256 = math._mul_div(nav_before, supply - shares, supply, True)
    return nav_after - convert(remaining, int256)


@internal
@pure
def _insolvent_payout(available: uint256, shares: uint256, supply: uint256) -> uint256:
    """
    @dev What `shares` of `supply` take when NAV <= 0: their pro-rata part of the assets that can
         still leave the fund (idle plus withdrawable margin), rounded down, without a fee.
    """
    return math._mul_div(available, shares, supply, False)


@internal
@pure
def _pro_rata_size(size: int256, numerator: uint256, denominator: uint256) -> int256:
    """
    @dev size * numerator / denominator with the magnitude rounded down (never over-trades).
    """
    magnitude: uint256 = math._mul_div(convert(abs(size), uint256), numerator, denominator, False)
    if size < 0:
        return -convert(magnitude, int256)
    return convert(magnitude, int256)


@internal
@pure
def _limit_price(price: uint256, max_slippage_bps: uint256, is_buy: bool) -> uint256:
    """
    @dev The worst execution price a fund trade accepts: price * (1 + s) for a buy, rounded down;
         price * (1 - s) for a sell, rounded up (both tighter than exact).
    """
    if is_buy:
        return math._mul_div(price, BPS + max_slippage_bps, BPS, False)
    return math._mul_div(price, BPS - max_slippage_bps, BPS, True)


@internal
@pure
def _leverage(size: int256, price: uint256, nav: int256, asset_scale: uint256) -> uint256:
    """
    @dev |size| * price / NAV as WAD (rounded down); 0 with no position; max_value when NAV <= 0
         with a position (insolvent).
    """
    if size == 0:
        return 0
    if nav <= 0:
        return max_value(uint256)
    notional: uint256 = math._mul_div(convert(abs(size), uint256), price, WAD, False)
    return math._mul_div(notional, WAD, convert(nav, uint256) * asset_scale, False)


@internal
@pure
def _target_size(nav: uint256, price: uint256, target_leverage: uint256, is_long: bool, asset_scale: uint256) -> int256:
    """
    @dev The position at target leverage: direction * T * NAV / price (WAD units, magnitude rounded down).
    """
    magnitude: uint256 = math._mul_div(nav * asset_scale, target_leverage, price, False)
    if is_long:
        return convert(magnitude, int256)
    return -convert(magnitude, int256)


@internal
@pure
def _band(target_leverage: uint256, band_bps: uint256) -> (uint256, uint256):
    """
    @dev Symmetric band around T: (T / (1 + b), T * (1 + b)), lower rounded up, upper down.
    """
    lower: uint256 = math._mul_div(target_leverage, BPS, BPS + band_bps, True)
    upper: uint256 = math._mul_div(target_leverage, BPS + band_bps, BPS, False)
    return lower, upper


@internal
@pure
def _drift_bps(leverage: uint256, target_leverage: uint256) -> uint256:
    """
    @dev |L - T| / T in basis points, rounded down.
    """
    diff: uint256 = leverage - target_leverage if leverage > target_leverage else target_leverage - leverage
    return math._mul_div(diff, BPS, target_leverage, False)


@internal
@pure
def _clamp_trade(size_delta: int256, price: uint256, max_notional: uint256, asset_scale: uint256) -> int256:
    """
    @dev Limit |size_delta| so its notional at `price` is at most `max_notional` assets (TWAP chunk).
    """
    max_size: uint256 = math._mul_div(max_notional * asset_scale, WAD, price, False)
    if convert(abs(size_delta), uint256) <= max_size:
        return size_delta
    if size_delta < 0:
        return -convert(max_size, int256)
    return convert(max_size, int256)


@internal
@pure
def _default_ripcord_leverage(target_leverage: uint256) -> uint256:
    """
    @dev The ripcord level a new product starts with: 1.5 T (WAD, rounded down).
    """
    return target_leverage * 3 // 2


@internal
@pure
def _ripcord_reward(nav: uint256, reward_assets: uint256, reward_max_bps: uint256) -> uint256:
    """
    @dev The ripcord caller's reward: the flat amount, capped at a share of NAV (rounded down).
    """
    return min(reward_assets, nav * reward_max_bps // BPS)


@internal
@pure
def _is_fresh(venue_fresh: bool, price: uint256, updated_at: uint256, now: uint256, max_age: uint256) -> bool:
    """
    @dev A price the fund may trade on: the venue trades on it, it is positive and it is at most
         `max_age` seconds older than `now` (the token's own limit on top of the venue's).
    """
    return venue_fresh and price > 0 and now <= updated_at + max_age


@internal
@pure
def _current_slot(now: uint256, offset: uint256, interval: uint256) -> uint256:
    """
    @dev The index of the latest scheduled slot opened by `now` (seconds): slot k opens at
         k * interval + offset; 0 before the first opens.
    """
    if now < offset:
        return 0
    return (now - offset) // interval


@internal
@pure
def _next_slot_start(now: uint256, offset: uint256, interval: uint256) -> uint256:
    """
    @dev When the first scheduled slot after `now` opens (seconds): `offset` before the first
         has opened, else the start of the slot after the current one.
    """
    if now < offset:
        return offset
    return (self._current_slot(now, offset, interval) + 1) * interval + offset


@internal
@pure
def _mint_size_delta(s: FundState, net_assets: uint256) -> int256:
    """
    @dev In-kind growth for a mint adding `net_assets` of margin: pro rata to NAV; at target
         leverage for the first mint (magnitude rounded down).
    """
    if s.supply == 0:
        return self._target_size(net_assets, s.price, s.target_leverage, s.is_long, s.asset_scale)
    return self._pro_rata_size(s.size, net_assets, convert(s.nav, uint256))


@internal
@pure
def _redeem_size_delta(s: FundState, shares: uint256) -> int256:
    """
    @dev The slice of the position that `shares` close (magnitude rounded down).
    """
    return -self._pro_rata_size(s.size, shares, s.supply)


@internal
@pure
def _shares_minted(s: FundState, value_added: uint256) -> uint256:
    """
    @dev Shares for NAV actually added; the first minter gives up DEAD_SHARES (0 if it cannot).
    """
    shares: uint256 = self._shares_for_value(
        s.supply, convert(max(s.nav, 0), uint256), value_added, s.initial_nav_per_share
    )
    if s.supply > 0:
        return shares
    if shares <= constants.DEAD_SHARES:
        return 0
    return shares - constants.DEAD_SHARES


@internal
@pure
def _rebalance_status(s: FundState, r: RebalanceState) -> (uint8, int256, int256):
    """
    @dev (reason, size to trade now, whole size to target). The reason is the first that holds:
         RIPCORD (L >= ripcord level), BAND (L outside the band), CHUNK (the last rebalance was
         clamped and drift >= min_drift_bps), SCHEDULED (a slot is open and drift >= min_drift_bps).
         NONE while the price is stale, the fund empty or insolvent, or at target. Once shut
         down the target is flat (whole size -size) and only RIPCORD can hold: the shutdown's
         own chunks and the ripcord close the position, never a rebalance.
    """
    if not s.fresh or s.supply == 0 or s.nav <= 0:
        return REASON_NONE, 0, 0
    full_delta: int256 = -s.size
    if not r.is_shutdown:
        full_delta += self._target_size(convert(s.nav, uint256), s.price, s.target_leverage, s.is_long, s.asset_scale)
    if full_delta == 0:
        return REASON_NONE, 0, 0
    leverage: uint256 = self._leverage(s.size, s.price, s.nav, s.asset_scale)
    lower: uint256 = 0
    upper: uint256 = 0
    lower, upper = self._band(s.target_leverage, r.band_bps)
    drifted: bool = self._drift_bps(leverage, s.target_leverage) >= r.min_drift_bps
    reason: uint8 = REASON_NONE
    if leverage >= r.ripcord_leverage:
        reason = REASON_RIPCORD
    elif r.is_shutdown:
        return REASON_NONE, 0, full_delta
    elif leverage > upper or leverage < lower:
        reason = REASON_BAND
    elif r.chunk_pending and drifted:
        reason = REASON_CHUNK
    elif r.slot_open and drifted:
        reason = REASON_SCHEDULED
    else:
        return REASON_NONE, 0, full_delta
    return reason, self._clamp_trade(full_delta, s.price, r.max_trade_notional, s.asset_scale), full_delta


@internal
@pure
def _nav_per_share(s: FundState) -> uint256:
    """
    @dev NAV per whole share (assets), rounded down; the initial value before the first mint.
    """
    if s.supply == 0:
        return s.initial_nav_per_share
    if s.nav <= 0:
        return 0
    return math._mul_div(convert(s.nav, uint256), WAD, s.supply, False)


@internal
@pure
def _split_status(nav_per_share: uint256, has_shares: bool, lower: uint256, upper: uint256) -> (uint256, bool):
    """
    @dev (factor, is_reverse) a keeper may apply: the smallest power of ten (10..10,000) that
         brings NAV per share back inside [lower, upper]; (0, False) if none is due or none works.
    """
    is_reverse: bool = nav_per_share < lower
    if not has_shares or not (is_reverse or nav_per_share > upper):
        return 0, False
    factor: uint256 = 10
    for _: uint256 in range(4):
        after: uint256 = nav_per_share * factor if is_reverse else nav_per_share // factor
        if after >= lower and after <= upper:
            return factor, is_reverse
        factor *= 10
    return 0, False
