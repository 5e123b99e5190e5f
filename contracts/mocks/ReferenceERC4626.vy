# pragma version ~=0.4.3
"""
@title Reference ERC-4626 vault (snekmate 0.1.2)
@notice A plain ERC-4626 vault (with EIP-2612 permit) over the collateral, compiled in the same
        run as the protocol so the benchmarks can put the leveraged token's deposit, mint,
        withdraw, redeem and permit next to it. It only holds the collateral: no venue, no trade,
        no fees, no oracle. Not deployed anywhere else.
@custom:kill Not killable: a benchmark reference only.
"""

from ethereum.ercs import IERC20
from snekmate.extensions import erc4626

initializes: erc4626

exports: erc4626.__interface__


@deploy
def __init__(asset_: IERC20):
    erc4626.__init__("Reference Vault", "RVLT", asset_, 0, "Reference Vault", "1")
