# pragma version ~=0.4.3
"""
@title Leveraged token lens
@notice One eth_call returns the full state of many tokens, for the SDK, the keeper and
        dashboards. Nothing one token does can make the call revert: a stale oracle is flagged
        in its row (`oracle_fresh` false, status NONE), and a token whose reads revert anyway
        (not a LeveragedToken, a venue that reverts or burns all gas) comes back as a row with
        `ok` false; each row has its own gas budget (ROW_GAS).
        Units as in the token: assets in collateral base units, shares 18 decimals, prices and
        leverage WAD.
@custom:kill Nothing to kill: stateless and read-only.
"""

from .interfaces import ILeveragedToken
from .interfaces import IPerpAdapter
from . import lt_math

MAX_TOKENS: constant(uint256) = 100
# a row is 36 words; the self-call returns one ABI-encoded TokenState
ROW_BYTES: constant(uint256) = 36 * 32
# gas for one row: a real token's row takes ~120-250k; a contract that burns everything it is
# given (a loop, a broken venue) then costs this much, not the whole call's gas, and 50 rows
# stay within a node's usual 30-50M eth_call cap even if every one of them burns its budget
ROW_GAS: constant(uint256) = 600_000


struct TokenState:
    token: address
    ok: bool  # false: the token's reads reverted; every other field is then zero
    timestamp: uint256  # block time the row was read at
    supply: uint256  # minted shares (18 decimals): totalSupply less the pending management-fee shares
    nav: uint256  # assets; 0 when insolvent
    nav_per_share: uint256  # assets per whole share
    price: uint256  # oracle price, WAD
    oracle_updated_at: uint256
    oracle_fresh: bool  # the token would trade on it (lt_math._is_fresh)
    leverage: uint256  # WAD; max_value when insolvent
    target_leverage: uint256
    band_lower: uint256
    band_upper: uint256
    ripcord_leverage: uint256
    is_long: bool
    status: uint8  # NONE=0, SCHEDULED=1, BAND=2, CHUNK=3, RIPCORD=4
    size_delta: int256  # what a rebalance would trade now, WAD
    size: int256  # venue position, WAD
    margin: int256  # venue margin, assets
    withdrawable: uint256  # margin the venue would release now (max_withdrawable), assets: an exit taking more than this and idle_assets realises PnL first (LeveragedTokenViews.exit_trades)
    idle_assets: uint256
    next_slot: uint256  # timestamp the next scheduled slot opens
    last_rebalance_time: uint256
    chunk_pending: bool
    split_factor: uint256  # the split a keeper may apply now (lt_math._split_status); 0 if none
    split_is_reverse: bool
    paused: bool
    is_shutdown: bool
    mint_fee_bps: uint256
    redeem_fee_bps: uint256
    management_fee_bps: uint256
    max_total_assets: uint256
    max_price_age: uint256
    twap_cooldown: uint256  # seconds between rebalances (ripcord-level ones exempt)
    keeper_grace: uint256  # seconds a flagged rebalance waits for a keeper before anyone may call it
    due_since: uint256  # when flag_rebalance_due() opened the grace period; 0 if not flagged


@external
@view
def get_states(tokens: DynArray[address, MAX_TOKENS]) -> DynArray[TokenState, MAX_TOKENS]:
    """
    @notice The state of every token in `tokens`, in order, never reverting for one token's sake.
    """
    rows: DynArray[TokenState, MAX_TOKENS] = []
    for token: address in tokens:
        success: bool = False
        response: Bytes[ROW_BYTES] = b""
        success, response = raw_call(
            self,
            abi_encode(token, method_id=method_id("state_of(address)")),
            max_outsize=ROW_BYTES,
            gas=ROW_GAS,
            is_static_call=True,
            revert_on_failure=False,
        )
        if success:
            rows.append(abi_decode(response, TokenState))
        else:
            rows.append(empty(TokenState))
            rows[len(rows) - 1].token = token
    return rows


@external
@view
def state_of(token: address) -> TokenState:
    """
    @notice One token's row (reverts if the token's reads do; get_states catches that).
    """
    t: ILeveragedToken = ILeveragedToken(token)
    venue: IPerpAdapter = IPerpAdapter(staticcall t.adapter())
    account: IPerpAdapter.AccountSnapshot = staticcall venue.account_snapshot(token)
    price: uint256 = account.price
    updated_at: uint256 = account.updated_at
    status: uint8 = 0
    size_delta: int256 = 0
    status, size_delta = staticcall t.rebalance_status()
    # the minted supply, as before totalSupply counted the pending fee shares (NAV per share,
    # below, counts them): the SDK's tracking and quotes read the two apart
    supply: uint256 = staticcall t.totalSupply() - staticcall t.pending_fee_shares()
    nav_per_share: uint256 = staticcall t.nav_per_share()
    split_factor: uint256 = 0
    split_is_reverse: bool = False
    split_factor, split_is_reverse = lt_math._split_status(
        nav_per_share, supply > 0, staticcall t.split_lower_nav(), staticcall t.split_upper_nav()
    )
    target: uint256 = staticcall t.target_leverage()
    lower: uint256 = 0
    upper: uint256 = 0
    lower, upper = lt_math._band(target, staticcall t.band_bps())
    max_age: uint256 = staticcall t.max_price_age()
    return TokenState(
        token=token,
        ok=True,
        timestamp=block.timestamp,
        supply=supply,
        nav=staticcall t.totalAssets(),
        nav_per_share=nav_per_share,
        price=price,
        oracle_updated_at=updated_at,
        oracle_fresh=lt_math._is_fresh(account.fresh, price, updated_at, block.timestamp, max_age),
        leverage=staticcall t.current_leverage(),
        target_leverage=target,
        band_lower=lower,
        band_upper=upper,
        ripcord_leverage=staticcall t.ripcord_leverage(),
        is_long=staticcall t.is_long(),
        status=status,
        size_delta=size_delta,
        size=account.size,
        margin=account.margin,
        withdrawable=staticcall venue.max_withdrawable(token),
        idle_assets=staticcall t.idle_assets(),
        next_slot=lt_math._next_slot_start(
            block.timestamp, staticcall t.rebalance_offset(), staticcall t.rebalance_interval()
        ),
        last_rebalance_time=staticcall t.last_rebalance_time(),
        chunk_pending=staticcall t.chunk_pending(),
        split_factor=split_factor,
        split_is_reverse=split_is_reverse,
        paused=staticcall t.paused(),
        is_shutdown=staticcall t.is_shutdown(),
        mint_fee_bps=staticcall t.mint_fee_bps(),
        redeem_fee_bps=staticcall t.redeem_fee_bps(),
        management_fee_bps=staticcall t.management_fee_bps(),
        max_total_assets=staticcall t.max_total_assets(),
        max_price_age=max_age,
        twap_cooldown=staticcall t.twap_cooldown(),
        keeper_grace=staticcall t.keeper_grace(),
        due_since=staticcall t.due_since(),
    )
