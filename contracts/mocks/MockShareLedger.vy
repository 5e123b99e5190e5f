# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Share ledger harness
@notice share_ledger.vy initialised alone, for its own tests (snekmate's mocks/*_mock.vy style):
        every external function of the ledger exported as the token exports it, plus open
        `mint`, `burn_from` and `rescale` so a test can drive the internal helpers the token calls
        (minting, burning with or without an allowance, splits). Units as in the ledger: shares
        in wei, base units = shares x base_per_share.
@custom:kill A test harness: never deployed outside tests.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from .. import share_ledger

implements: IERC20
implements: IERC20Detailed

initializes: share_ledger

exports: (
    share_ledger.name,
    share_ledger.symbol,
    share_ledger.decimals,
    share_ledger.totalSupply,
    share_ledger.balanceOf,
    share_ledger.allowance,
    share_ledger.transfer,
    share_ledger.transferFrom,
    share_ledger.approve,
    share_ledger.permit,
    share_ledger.nonces,
    share_ledger.DOMAIN_SEPARATOR,
    share_ledger.base_per_share,
    share_ledger.share_epoch,
)


@deploy
def __init__(name_: String[50], symbol_: String[32]):
    share_ledger.__init__(name_, symbol_)


@external
def mint(receiver: address, shares: uint256):
    """
    @notice Anyone: mint `shares` to `receiver` (the token mints only for deposits and fees).
    """
    share_ledger._mint_shares(receiver, shares)


@external
def burn_from(owner: address, shares: uint256):
    """
    @notice Burn `shares` of `owner`; a caller other than the owner spends its allowance.
    """
    share_ledger._burn_from(owner, shares)


@external
def rescale(factor: uint256, is_reverse: bool) -> uint256:
    """
    @notice Split (shares x factor) or reverse split (shares / factor); returns the new supply.
    """
    return share_ledger._rescale(factor, is_reverse)
