# pragma version ~=0.4.3
"""
@title Leveraged-token math
@notice The one home for the token's share, fee and leverage formulas. Each function names its
        rounding; every direction favours the fund over the caller. `ltsdk.model` mirrors these
        functions line by line and tests hold both to the wei.
        Units: assets in collateral base units, shares in 18-decimal wei, prices and leverage in
        WAD, fees in basis points.
"""

from snekmate.utils import math
from . import constants

WAD: constant(uint256) = constants.WAD
BPS: constant(uint256) = constants.BPS
SECONDS_PER_YEAR: constant(uint256) = 365 * 86_400


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
def _value_for_shares(supply: uint256, nav: uint256, shares: uint256, initial_nav_per_share: uint256) -> uint256:
    """
    @dev Assets that `shares` must add to the fund, rounded up (the inverse of _shares_for_value).
    """
    if supply == 0:
        return math._mul_div(shares, initial_nav_per_share, WAD, True)
    return math._mul_div(shares, nav, supply, True)


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
def _leverage(size: int256, price: uint256, nav: int256, asset_scale: uint256) -> uint256:
    """
    @dev |size| * price / NAV as WAD (rounded down); max_value when NAV <= 0 (insolvent).
    """
    if nav <= 0:
        return max_value(uint256)
    notional: uint256 = math._mul_div(convert(abs(size), uint256), price, WAD, False)
    return math._mul_div(notional, WAD, convert(nav, uint256) * asset_scale, False)
