# pragma version ~=0.4.3
# pragma optimize codesize
"""
@title Settlement-round math for asynchronous tokens
@notice Serves round_math.vy's formulas (the one home of each) to LeveragedTokenAsync, which
        calls this contract instead of carrying them: the token's code is near EIP-170. Stateless
        and pure, so one deployment serves every async token. The boundary and its structs are
        interfaces/IAsyncRoundMath.vyi. Units as round_math.vy.
"""

from .interfaces import IAsyncRoundMath
from . import round_math

implements: IAsyncRoundMath


@external
@pure
def round_trade(
    size: int256,
    nav: uint256,
    supply: uint256,
    price: uint256,
    deposits: uint256,
    redeems: uint256,
    target_leverage: uint256,
    is_long: bool,
    asset_scale: uint256,
    p: IAsyncRoundMath.RebalanceParameters,
    elapsed: uint256,
) -> (int256, int256, uint8):
    """
    @notice round_math._round_trade: (the requests' trade, the fund's rebalance, its reason).
    """
    return round_math._round_trade(
        size, nav, supply, price, deposits, redeems, target_leverage, is_long, asset_scale, p, elapsed
    )


@external
@pure
def round_order(
    size_delta: int256,
    nav: uint256,
    supply: uint256,
    price: uint256,
    deposits: uint256,
    redeems: uint256,
    idle: uint256,
    execution_fee: uint256,
    mint_fee_bps: uint256,
    trade_cost: uint256,
    cushion_bps: uint256,
    max_slippage_bps: uint256,
    is_long: bool,
    initial_nav_per_share: uint256,
    rebalance: int256,
) -> IAsyncRoundMath.RoundOrder:
    """
    @notice round_math._round_order: the cash a round keeps and the collateral its order moves.
    """
    return round_math._round_order(
        size_delta,
        nav,
        supply,
        price,
        deposits,
        redeems,
        idle,
        execution_fee,
        mint_fee_bps,
        trade_cost,
        cushion_bps,
        max_slippage_bps,
        is_long,
        initial_nav_per_share,
        rebalance,
    )


@external
@pure
def settlement(
    idle: uint256,
    equity_before: int256,
    equity_after: int256,
    collateral_delta: int256,
    size_delta: int256,
    rebalance: int256,
    execution_fee: uint256,
    supply: uint256,
    deposits: uint256,
    redeems: uint256,
    mint_fee_bps: uint256,
    redeem_fee_bps: uint256,
    is_long: bool,
    initial_nav_per_share: uint256,
) -> IAsyncRoundMath.Settlement:
    """
    @notice round_math._settlement: a filled round priced at the fill the venue recorded.
    """
    return round_math._settlement(
        idle,
        equity_before,
        equity_after,
        collateral_delta,
        size_delta,
        rebalance,
        execution_fee,
        supply,
        deposits,
        redeems,
        mint_fee_bps,
        redeem_fee_bps,
        is_long,
        initial_nav_per_share,
    )


@external
@pure
def leverage_as_filled(
    size: int256,
    pending_size_delta: int256,
    nav: int256,
    supply: uint256,
    deposits: uint256,
    redeems: uint256,
    price: uint256,
    asset_scale: uint256,
) -> uint256:
    """
    @notice round_math._leverage_as_filled: leverage as if the orders in flight had filled.
    """
    return round_math._leverage_as_filled(size, pending_size_delta, nav, supply, deposits, redeems, price, asset_scale)
