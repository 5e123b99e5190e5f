# pragma version ~=0.4.3
"""
@title Reference ERC-20 (snekmate 0.1.2)
@notice A plain ERC-20 compiled in the same run as the protocol, so the benchmarks can put the
        leveraged token's transfer, transferFrom and approve next to it. Not deployed anywhere else.
@custom:kill Not killable: a benchmark reference only.
"""

from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.mint,
)


@deploy
def __init__():
    ownable.__init__()
    erc20.__init__("Reference", "REF", 18, "Reference", "1")
