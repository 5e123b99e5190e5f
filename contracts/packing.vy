# pragma version ~=0.4.3
"""
@title Storage packing
@notice The leveraged token's packed storage words: where each field sits (offset, width in bits)
        (the token reads a field as `(word >> OFFSET) & MASK`). Vyper 0.4.3 gives every storage
        variable and struct member a slot of its own, so values the token reads together are
        packed here by hand: one cold read (2,100 gas) instead of one per field.

        Widths hold every value the configurator's bounds allow, with room to spare (timestamps
        and slot indices: 40 bits, past the year 36,000; bps: 16 bits; seconds: 24 bits, 194
        days; leverage: 80 bits, 1.2M x in WAD; prices: 128 bits, 3.4e20 USD in WAD).
        The token checks every configured value against its field's mask ("lt: bounds") before
        packing it, and the execution price too, so nothing is truncated or spills into a
        neighbour; block timestamps fit 40 bits until the year 36,812.

        Words (LeveragedToken.vy):
        - fee word: what every share-changing call reads (fee recipient, mint, redeem and
          management fee, last accrual, paused, shut down);
        - parameter word: rebalancing parameters and the trade limits (band, drift, slot length
          and offset, cooldown, keeper grace, ripcord level, slippage, price age);
        - rebalance word: rebalancing state (last rebalance time, slot and price, due since,
          chunk pending).
"""

BPS_BITS: constant(uint256) = 16
TIME_BITS: constant(uint256) = 40  # timestamps and slot indices
SECONDS_BITS: constant(uint256) = 24  # durations the configurator bounds to at most 7 days
FLAG_BITS: constant(uint256) = 1
BPS_MASK: constant(uint256) = 2**BPS_BITS - 1
TIME_MASK: constant(uint256) = 2**TIME_BITS - 1
SECONDS_MASK: constant(uint256) = 2**SECONDS_BITS - 1
FLAG_MASK: constant(uint256) = 1

# fee word
FEE_RECIPIENT: constant(uint256) = 0  # 160 bits: an address
ADDRESS_BITS: constant(uint256) = 160
ADDRESS_MASK: constant(uint256) = 2**ADDRESS_BITS - 1
MINT_FEE: constant(uint256) = 160
REDEEM_FEE: constant(uint256) = 176
MANAGEMENT_FEE: constant(uint256) = 192
LAST_FEE_ACCRUAL: constant(uint256) = 208
PAUSED: constant(uint256) = 248
SHUTDOWN: constant(uint256) = 249
# the fee word's state (last accrual, paused, shut down), kept when the parameters change
FEE_STATE_MASK: constant(uint256) = (2**(TIME_BITS + 2) - 1) << LAST_FEE_ACCRUAL

# parameter word
BAND: constant(uint256) = 0
MIN_DRIFT: constant(uint256) = 16
MAX_SLIPPAGE: constant(uint256) = 32
MAX_PRICE_AGE: constant(uint256) = 48
REBALANCE_INTERVAL: constant(uint256) = 72
REBALANCE_OFFSET: constant(uint256) = 96
TWAP_COOLDOWN: constant(uint256) = 120
KEEPER_GRACE: constant(uint256) = 144
RIPCORD_LEVERAGE: constant(uint256) = 168
LEVERAGE_BITS: constant(uint256) = 80
LEVERAGE_MASK: constant(uint256) = 2**LEVERAGE_BITS - 1

# rebalance word
LAST_REBALANCE_TIME: constant(uint256) = 0
LAST_REBALANCE_SLOT: constant(uint256) = 40
DUE_SINCE: constant(uint256) = 80
CHUNK_PENDING: constant(uint256) = 120
LAST_REBALANCE_PRICE: constant(uint256) = 128
PRICE_BITS: constant(uint256) = 128
PRICE_MASK: constant(uint256) = 2**PRICE_BITS - 1

