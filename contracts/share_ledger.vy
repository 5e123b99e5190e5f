# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Share ledger
@notice The leveraged token's ERC-20 + EIP-2612 share ledger, kept in base units so that a split
        rescales every balance, every allowance and the supply in O(1) (Ampleforth's "gons"):
        shares = base units // base_per_share. A split divides base_per_share, a reverse split
        multiplies it; nothing else changes. Laid out as snekmate 0.1.2's erc20 module (state,
        external ERC-20 and permit functions, internal mint/burn/transfer helpers), which cannot
        be used as it is: it stores balances directly and caps the symbol at 5 characters.

        Units: shares in wei (18 decimals); base units are shares x base_per_share.
        An allowance too large to scale (or max_value) is stored as max_value: infinite, and it
        stays infinite across splits.

        The initialising contract mints and burns through `_mint_shares` / `_burn_from` and
        rescales through `_rescale`; it exports the external functions (mocks/MockShareLedger.vy
        shows the wiring).

        Locks: the pragma locks every function, except transfer, transferFrom and approve
        (`@reentrant`, ~330 gas each): they make no external call and write only settled
        balances, so entering them from inside another of the token's calls (e.g. from a
        collateral with transfer hooks) moves shares the fund has finished with and never the
        supply or NAV a running mint or redeem priced; every function that calls out stays
        locked.

        Reverts: "lt: receiver", "lt: balance", "lt: allowance", "lt: expired", "lt: signature",
        "lt: bounds" (the token's revert strings: the ledger is part of the token).
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from snekmate.utils import ecdsa

implements: IERC20
implements: IERC20Detailed


decimals: public(constant(uint8)) = 18
# base units per share at deployment: 10**30 * 2**12 * 3**8 * 7**4, divisible by every split
# factor built from 2, 3, 5 and 7 (2, 4, 5, 10, 100, 1000, ...) many times over
INITIAL_BASE_PER_SHARE: constant(uint256) = 10**30 * 2**12 * 3**8 * 7**4
# reverse splits multiply base_per_share; beyond this a mint of 10**30 shares could overflow
MAX_BASE_PER_SHARE: constant(uint256) = 10**46
PERMIT_TYPE_HASH: constant(bytes32) = keccak256(
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
# EIP-712 domain: {name, version "1", chainId, verifyingContract, salt: base_per_share}. The salt
# names the share unit a permit's amount is counted in, so a split or reverse split (which
# changes the unit) invalidates every signature made before it. Built here rather than with
# snekmate's eip712_domain_separator, which has no salt and caches name/version as immutables.
EIP712_DOMAIN_TYPE_HASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)"
)
EIP712_VERSION_HASH: constant(bytes32) = keccak256("1")

NAME_HASH: immutable(bytes32)  # keccak256 of the name, for the EIP-712 domain

name: public(String[50])
symbol: public(String[32])

_base_balances: HashMap[address, uint256]  # base units
_base_allowances: HashMap[address, HashMap[address, uint256]]  # base units; max_value = infinite
_base_supply: uint256  # base units
base_per_share: public(uint256)  # base units per share wei; splits divide it, reverse splits multiply

nonces: public(HashMap[address, uint256])  # EIP-2612


@deploy
def __init__(name_: String[50], symbol_: String[32]):
    self.name = name_
    self.symbol = symbol_
    NAME_HASH = keccak256(name_)
    self.base_per_share = INITIAL_BASE_PER_SHARE


# ---------------------------------------------------------------- ERC-20

@external
@view
def totalSupply() -> uint256:
    return self._total_supply()


@external
@view
def balanceOf(owner: address) -> uint256:
    return self._balance_of(owner)


@external
@view
def allowance(owner: address, spender: address) -> uint256:
    base: uint256 = self._base_allowances[owner][spender]
    if base == max_value(uint256):
        return max_value(uint256)
    return base // self.base_per_share


@external
@reentrant  # makes no external call (see Locks above)
def transfer(receiver: address, amount: uint256) -> bool:
    self._transfer(msg.sender, receiver, amount)
    return True


@external
@reentrant  # makes no external call (see Locks above)
def transferFrom(owner: address, receiver: address, amount: uint256) -> bool:
    self._spend_allowance(owner, msg.sender, amount)
    self._transfer(owner, receiver, amount)
    return True


@external
@reentrant  # makes no external call (see Locks above)
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Allowances are kept in base units so splits rescale them; an amount too large to
            scale (or max_value) is stored as infinite.
    """
    self._approve(msg.sender, spender, amount)
    return True


# ---------------------------------------------------------------- EIP-2612

@external
def permit(owner: address, spender: address, amount: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32):
    """
    @notice EIP-2612: approve by signature. `amount` is in the share unit current at signing:
            the EIP-712 domain's salt is base_per_share, so after a split or reverse split the
            signature no longer verifies ("lt: signature") and the spender cannot take a
            multiple of what was signed; sign again in the new unit.
    """
    if block.timestamp > deadline:
        self._raise_expired()
    nonce: uint256 = self.nonces[owner]
    self.nonces[owner] = nonce + 1
    digest: bytes32 = keccak256(
        concat(
            b"\x19\x01",
            self._domain_separator(),
            keccak256(abi_encode(PERMIT_TYPE_HASH, owner, spender, amount, nonce, deadline)),
        )
    )
    signer: address = ecdsa._recover_vrs(digest, convert(v, uint256), convert(r, uint256), convert(s, uint256))
    assert signer == owner and owner != empty(address), "lt: signature"
    self._approve(owner, spender, amount)


@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    return self._domain_separator()


@internal
@view
def _domain_separator() -> bytes32:
    """
    @dev The EIP-712 domain separator, built for the current chain id and share unit on every
         call (correct after a fork and after a split; ~200 gas, cheaper in code size than a
         cached copy). The read of base_per_share warms the slot permit's approve reads next.
    """
    return keccak256(
        abi_encode(
            EIP712_DOMAIN_TYPE_HASH, NAME_HASH, EIP712_VERSION_HASH, chain.id, self, convert(self.base_per_share, bytes32)
        )
    )


# ---------------------------------------------------------------- internal: revert reasons
# One revert site per reason, shared with the token, which raises these too: each site with a
# reason string costs ~110 bytes of the token's code. Called only on the failing branch
# (`if not ok: self._raise_x()`), so a passing check costs no more gas than an inline assert.

@internal
@pure
def _raise_expired():
    raise "lt: expired"


@internal
@pure
def _raise_receiver():
    raise "lt: receiver"


@internal
@pure
def _raise_bounds():
    raise "lt: bounds"


# ---------------------------------------------------------------- internal: reads

@internal
@view
def _total_supply() -> uint256:
    return self._base_supply // self.base_per_share


@internal
@view
def _balance_of(owner: address) -> uint256:
    return self._base_balances[owner] // self.base_per_share


# ---------------------------------------------------------------- internal: writes

@internal
def _transfer(owner: address, receiver: address, amount: uint256):
    if receiver == empty(address):
        self._raise_receiver()
    base: uint256 = self._debit(owner, amount)
    self._base_balances[receiver] += base
    log IERC20.Transfer(sender=owner, receiver=receiver, value=amount)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    if spender == empty(address):
        self._raise_receiver()
    scale: uint256 = self.base_per_share
    base: uint256 = max_value(uint256)
    if amount < max_value(uint256) // scale:
        base = amount * scale
    self._base_allowances[owner][spender] = base
    log IERC20.Approval(owner=owner, spender=spender, value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    allowed: uint256 = self._base_allowances[owner][spender]
    if allowed == max_value(uint256):
        return
    scale: uint256 = self.base_per_share
    assert amount <= allowed // scale, "lt: allowance"  # by division: no amount overflows
    self._base_allowances[owner][spender] = allowed - unsafe_mul(amount, scale)  # <= allowed


@internal
def _burn_from(owner: address, shares: uint256):
    """
    @dev Burn `shares` of `owner`; a caller other than the owner spends its allowance.
    """
    if owner != msg.sender:
        self._spend_allowance(owner, msg.sender, shares)
    base: uint256 = self._debit(owner, shares)
    self._base_supply -= base
    log IERC20.Transfer(sender=owner, receiver=empty(address), value=shares)


@internal
def _debit(owner: address, shares: uint256) -> uint256:
    """
    @dev Take `shares` off `owner`'s balance; return them in base units.
    """
    scale: uint256 = self.base_per_share
    owner_base: uint256 = self._base_balances[owner]
    assert shares <= owner_base // scale, "lt: balance"  # by division: no amount overflows
    base: uint256 = unsafe_mul(shares, scale)  # <= owner_base
    self._base_balances[owner] = unsafe_sub(owner_base, base)  # >= 0: base <= owner_base
    return base


@internal
def _mint_shares(receiver: address, shares: uint256):
    base: uint256 = shares * self.base_per_share
    self._base_balances[receiver] += base
    self._base_supply += base
    log IERC20.Transfer(sender=empty(address), receiver=receiver, value=shares)


@internal
def _rescale(factor: uint256, is_reverse: bool) -> uint256:
    """
    @dev A split (shares x factor: base_per_share / factor, which must divide it exactly) or a
         reverse split (shares / factor, rounded down per holder: base_per_share x factor, at
         most MAX_BASE_PER_SHARE). Every balance, allowance and the supply follow in O(1).
    @return The supply after, in shares.
    """
    scale: uint256 = self.base_per_share
    if is_reverse:
        scale *= factor
        # a fund with holders never reads a supply of 0: "supply 0" means "no holder yet" to the
        # first-mint pricing and to the configurator's instant changes
        if scale > MAX_BASE_PER_SHARE or (self._base_supply != 0 and self._base_supply < scale):
            self._raise_bounds()
    else:
        if scale % factor != 0:
            self._raise_bounds()
        scale //= factor
    self.base_per_share = scale
    return self._base_supply // scale
