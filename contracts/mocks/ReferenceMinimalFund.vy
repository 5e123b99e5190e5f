# pragma version ~=0.4.3
"""
@title Reference minimal fund (benchmark probe)
@notice The venue work any fund on this venue must do for an operation, and nothing else: read
        its account (size, equity, price: needed to size any trade and price any share), then
        pull collateral, add margin, trade, withdraw. No shares, no fees, no checks, no storage. scripts/bench.py
        copies this runtime onto a leveraged token's address inside an anvil snapshot (so the
        venue sees the token's own account, position and collateral allowance), sends one call
        in the state the token's operation ran in, records its gas and reverts the snapshot.
        That gas is the venue part of the operation's lower bound. Never deployed as a fund.
@custom:kill Not killable: a benchmark probe only; it has no storage and holds nothing.
"""

from ethereum.ercs import IERC20
from ..interfaces import IPerpAdapter

VENUE: immutable(IPerpAdapter)
COLLATERAL: immutable(IERC20)


@deploy
def __init__(venue: IPerpAdapter, collateral: IERC20):
    VENUE = venue
    COLLATERAL = collateral


@external
def enter(assets: uint256, margin: uint256, size_delta: int256, limit_price: uint256):
    """
    @notice Read the account, pull `assets` of collateral from the caller, add `margin` of it on
            the venue, trade.
    """
    self._read()
    assert extcall COLLATERAL.transferFrom(msg.sender, self, assets, default_return_value=True)
    extcall VENUE.deposit(margin)
    if size_delta != 0:
        extcall VENUE.trade(size_delta, limit_price)


@external
def exit(size_delta: int256, limit_price: uint256, assets: uint256, receiver: address):
    """
    @notice Read the account, trade, then have the venue pay `assets` of margin straight to
            `receiver`.
    """
    self._read()
    if size_delta != 0:
        extcall VENUE.trade(size_delta, limit_price)
    if assets > 0:
        extcall VENUE.withdraw(assets, receiver)


@external
def read_nav() -> int256:
    """
    @notice What deciding anything about leverage needs: the account's size and equity and the
            oracle price, in one venue call. Sent as a transaction so the benchmark can measure it.
    """
    return self._read()


@internal
def _read() -> int256:
    return (staticcall VENUE.account_snapshot(self)).equity
