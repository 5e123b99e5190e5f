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

# rounds of the exact-output searches; each shrinks the shortfall by the trade's cost ratio
# (~0.1 %), so two or three are used in practice
MAX_SEARCH_STEPS: constant(uint256) = 8


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
            shortfall (the trade's cost) until covered.
    """
    target: uint256 = shares
    if s.supply == 0:
        target += constants.DEAD_SHARES
    value_needed: uint256 = lt_math._value_for_shares(
        s.supply, convert(max(s.nav, 0), uint256), target, s.initial_nav_per_share
    )
    assets: uint256 = lt_math._gross_up(value_needed, s.mint_fee_bps)
    for _: uint256 in range(MAX_SEARCH_STEPS):
        if self._shares_for_deposit(s, assets) >= shares:
            return assets
        added: uint256 = self._mint_value_added(s, assets)
        assets += lt_math._gross_up(value_needed - min(added, value_needed - 1), s.mint_fee_bps)
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
            round's shortfall (the trade's cost) until covered.
    """
    assert s.nav > 0, "lt: insolvent"
    gross: uint256 = lt_math._gross_up(assets, s.redeem_fee_bps)
    nav: uint256 = convert(s.nav, uint256)
    shares: uint256 = math._mul_div(gross, s.supply, nav, True)
    for _: uint256 in range(MAX_SEARCH_STEPS):
        assert shares <= s.supply, "lt: balance"
        taken: int256 = self._redeem_value(s, shares)
        if taken >= convert(gross, int256):
            return shares
        shortfall: uint256 = convert(convert(gross, int256) - max(taken, 0), uint256)
        shares += math._mul_div(shortfall, s.supply, nav, True)
    raise "lt: no convergence"


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
    @notice Assets that `shares` are worth at NAV, before fees and trading costs (rounded down).
    """
    return math._mul_div(shares, lt_math._nav_per_share(s), constants.WAD, False)


@external
@view
def max_mint(s: lt_math.FundState, room: uint256) -> uint256:
    """
    @notice Shares worth `room` assets less a 0.1 % margin for the in-kind trade's cost and
            rounding: an underestimate, as ERC-4626 allows.
    """
    if room == max_value(uint256):
        return room
    return lt_math._shares_for_value(
        s.supply, convert(max(s.nav, 1), uint256), room * 9_990 // constants.BPS, s.initial_nav_per_share
    )


@external
@view
def leverage(s: lt_math.FundState, unused: uint256) -> uint256:
    """
    @notice |size| * price / NAV, WAD (the second argument keeps the token's one call shape).
    """
    return lt_math._leverage(s.size, s.price, s.nav, s.asset_scale)


@external
@view
def max_redeem(s: lt_math.FundState, balance: uint256) -> uint256:
    """
    @notice `balance`, or 0 while a position is open on a stale price (redeem would revert).
    """
    if not s.fresh and s.size != 0:
        return 0
    return balance


@external
@view
def max_withdraw(s: lt_math.FundState, balance: uint256) -> uint256:
    """
    @notice What redeeming `balance` pays now; 0 on insolvency (withdraw reverts there) or while a
            position is open on a stale price.
    """
    if (not s.fresh and s.size != 0) or s.nav <= 0 or balance == 0:
        return 0
    return self._preview_redeem(s, balance)


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
def _preview_redeem(s: lt_math.FundState, shares: uint256) -> uint256:
    if shares == 0:
        return 0
    assert shares <= s.supply, "lt: balance"
    if s.nav <= 0:
        available: uint256 = s.idle_assets + staticcall IPerpAdapter(s.adapter).max_withdrawable(s.token)
        return math._mul_div(available, shares, s.supply, False)
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
    @dev What redeeming `shares` would take out of the fund, as the venue quotes it now.
    """
    nav_after: int256 = convert(s.idle_assets, int256) + staticcall IPerpAdapter(s.adapter).preview_equity(
        s.token, 0, lt_math._redeem_size_delta(s, shares)
    )
    return lt_math._redeem_value(s.supply, convert(s.nav, uint256), nav_after, shares)
