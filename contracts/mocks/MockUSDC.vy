# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Mock USDC
@notice A 6-decimal ERC-20 stablecoin with an open faucet, for local and test networks only.
@custom:kill Not killable: a faucet token for test networks; never deploy it to mainnet.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20
implements: IERC20Detailed

name: public(constant(String[25])) = "Mock USD Coin"
symbol: public(constant(String[5])) = "USDC"
decimals: public(constant(uint8)) = 6

# faucet limit per call, in base units (1e12 USDC): large enough for any test, small enough
# that a typo cannot overflow a balance
MAX_FAUCET_AMOUNT: public(constant(uint256)) = 10**18

balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)


@external
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
def transferFrom(owner: address, receiver: address, amount: uint256) -> bool:
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "usdc: insufficient allowance"
        self.allowance[owner][msg.sender] = allowed - amount
    self._transfer(owner, receiver, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log IERC20.Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def mint(receiver: address, amount: uint256):
    """
    @notice Open faucet: anyone may mint up to MAX_FAUCET_AMOUNT base units per call.
    """
    assert receiver != empty(address), "usdc: zero address"
    assert amount <= MAX_FAUCET_AMOUNT, "usdc: faucet limit"
    self.balanceOf[receiver] += amount
    self.totalSupply += amount
    log IERC20.Transfer(sender=empty(address), receiver=receiver, value=amount)


@internal
def _transfer(owner: address, receiver: address, amount: uint256):
    assert receiver != empty(address), "usdc: zero address"
    balance: uint256 = self.balanceOf[owner]
    assert balance >= amount, "usdc: insufficient balance"
    self.balanceOf[owner] = balance - amount
    self.balanceOf[receiver] += amount
    log IERC20.Transfer(sender=owner, receiver=receiver, value=amount)
