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
        An allowance too large to scale (or max_value) is stored as infinite (base field
        BASE_MASK), and it stays infinite across splits and epochs.

        Scale epochs (reverse splits for the token's whole life): a reverse split that would
        lift base_per_share above MAX_BASE_PER_SHARE instead starts a new epoch at
        INITIAL_BASE_PER_SHARE, recording the old epoch's final scale F, and converts the supply
        at once: base' = floor(base x INITIAL / F), which keeps every share count exact
        (floor(base' / INITIAL) = floor(base / F)). Each balance and allowance is one slot,
        epoch << EPOCH_SHIFT | base units, converted the same way on its next touch. An epoch
        spans a reverse factor above MAX / INITIAL >= cbrt(BASE_MASK / INITIAL) (the most
        shares a supply can hold at the initial scale), so a balance or allowance three or more
        epochs old is under one wei of share and reads as 0: conversion is O(1) (at most two
        steps, with the last two epochs' final scales).

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
# a balance, allowance or the scale slot: epoch << EPOCH_SHIFT | base units (or base_per_share)
EPOCH_SHIFT: constant(uint256) = 240
# the base-units field; the supply never exceeds it (so no balance does), and an allowance whose
# field is all ones is infinite
BASE_MASK: constant(uint256) = 2**240 - 1
EPOCH_BITS: constant(uint256) = 16  # x << EPOCH_BITS >> EPOCH_BITS is x's base field (a mask
# literal would cost ~32 bytes of code at each use, a shift 2)
MAX_EPOCH: constant(uint256) = 2**16 - 1  # each epoch spans a reverse factor > 10**15
# base units per share at the start of each epoch: 10**24 * 2**3 * 3**2 * 7 (~5.0e26), divisible
# by every split factor built from 2, 3, 5 and 7 up to a net 10**24 x 504 of splits per epoch
# (each reverse split adds its factor back)
INITIAL_BASE_PER_SHARE: constant(uint256) = 10**24 * 2**3 * 3**2 * 7
# reverse splits multiply base_per_share; past this a new epoch starts. Two bounds fix it:
# BASE_MASK / MAX >= 1.7e30 shares can still be minted at the top of an epoch, and
# MAX**3 >= BASE_MASK x INITIAL**2 (the epoch span MAX / INITIAL, ~2e15, is at least the cube
# root of the most shares, BASE_MASK / INITIAL, the initial scale holds) so a stale balance three
# epochs old is below one share wei: base < BASE_MASK x INITIAL**3 / MAX**3 <= INITIAL.
MAX_BASE_PER_SHARE: constant(uint256) = 10**42
PERMIT_TYPE_HASH: constant(bytes32) = keccak256(
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
# EIP-712 domain: {name, version "1", chainId, verifyingContract, salt: epoch << 240 |
# base_per_share (= base_per_share in epoch 0)}. The salt names the share unit a permit's amount
# is counted in, so a split or reverse split (which changes the unit, or the epoch) invalidates
# every signature made before it. Built here rather than with
# snekmate's eip712_domain_separator, which has no salt and caches name/version as immutables.
EIP712_DOMAIN_TYPE_HASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)"
)
EIP712_VERSION_HASH: constant(bytes32) = keccak256("1")

NAME_HASH: immutable(bytes32)  # keccak256 of the name, for the EIP-712 domain

name: public(String[50])
symbol: public(String[32])

_base_balances: HashMap[address, uint256]  # epoch << EPOCH_SHIFT | base units
_base_allowances: HashMap[address, HashMap[address, uint256]]  # the same; base BASE_MASK = infinite
_base_supply: uint256  # base units of the current epoch (converted at each new epoch)
# epoch << EPOCH_SHIFT | base units per share wei; splits divide the scale, reverse splits
# multiply it (or start the next epoch)
_scale_word: uint256
_last_final_scale: uint256  # base_per_share the previous epoch ended at (F), to convert its slots
_earlier_final_scale: uint256  # base_per_share the epoch before that ended at

nonces: public(HashMap[address, uint256])  # EIP-2612


@deploy
def __init__(name_: String[50], symbol_: String[32]):
    self.name = name_
    self.symbol = symbol_
    NAME_HASH = keccak256(name_)
    self._scale_word = INITIAL_BASE_PER_SHARE


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
    word: uint256 = self._base_allowances[owner][spender]
    if ~word << EPOCH_BITS == 0:  # base field all ones: infinite
        return max_value(uint256)
    scale_word: uint256 = self._scale_word
    return self._current_base(word, scale_word) // (scale_word << EPOCH_BITS >> EPOCH_BITS)


@external
@view
def base_per_share() -> uint256:
    """
    @notice Base units per share wei in the current scale epoch (share_epoch).
    """
    return self._scale_word << EPOCH_BITS >> EPOCH_BITS


@external
@view
def share_epoch() -> uint256:
    """
    @notice The scale epoch: how many times a reverse split has restarted base_per_share.
    """
    return self._scale_word >> EPOCH_SHIFT


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
            the EIP-712 domain's salt is share_epoch << 240 | base_per_share, so after a split or reverse split the
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
         cached copy). The read of the scale warms the slot permit's approve reads next.
    """
    return keccak256(
        abi_encode(
            EIP712_DOMAIN_TYPE_HASH, NAME_HASH, EIP712_VERSION_HASH, chain.id, self, convert(self._scale_word, bytes32)
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
    return self._base_supply // (self._scale_word << EPOCH_BITS >> EPOCH_BITS)


@internal
@view
def _balance_of(owner: address) -> uint256:
    scale_word: uint256 = self._scale_word
    return self._current_base(self._base_balances[owner], scale_word) // (scale_word << EPOCH_BITS >> EPOCH_BITS)


@internal
@view
def _current_base(word: uint256, scale_word: uint256) -> uint256:
    """
    @dev A balance or finite allowance slot (epoch << EPOCH_SHIFT | base) in base units of the
         current epoch (`scale_word`'s): as stored if current; one or two epochs old,
         floor(base x INITIAL / F) per epoch; older, 0 (under one share wei: module notes).
    """
    epoch: uint256 = word >> EPOCH_SHIFT
    now: uint256 = scale_word >> EPOCH_SHIFT
    if epoch == now:
        return word << EPOCH_BITS >> EPOCH_BITS
    if unsafe_add(epoch, 1) == now:  # no wrap: epoch < now <= MAX_EPOCH
        return self._convert(word << EPOCH_BITS >> EPOCH_BITS, self._last_final_scale)
    if unsafe_add(epoch, 2) == now:
        return self._convert(self._convert(word << EPOCH_BITS >> EPOCH_BITS, self._earlier_final_scale), self._last_final_scale)
    return 0


@internal
@pure
def _convert(base: uint256, final: uint256) -> uint256:
    """
    @dev Base units of an epoch that ended at scale `final` in base units of the next one:
         floor(base x INITIAL / final), in two parts so that no product overflows.
    """
    return base // final * INITIAL_BASE_PER_SHARE + base % final * INITIAL_BASE_PER_SHARE // final


# ---------------------------------------------------------------- internal: writes

@internal
def _transfer(owner: address, receiver: address, amount: uint256):
    if receiver == empty(address):
        self._raise_receiver()
    scale_word: uint256 = self._scale_word
    self._credit(receiver, self._debit(owner, amount, scale_word), scale_word)
    log IERC20.Transfer(sender=owner, receiver=receiver, value=amount)


@internal
def _credit(receiver: address, base: uint256, scale_word: uint256):
    # the sum < 2**240: no balance exceeds the supply, which _mint_shares keeps within BASE_MASK
    self._base_balances[receiver] = scale_word >> EPOCH_SHIFT << EPOCH_SHIFT | (self._current_base(self._base_balances[receiver], scale_word) + base)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    if spender == empty(address):
        self._raise_receiver()
    scale_word: uint256 = self._scale_word
    scale: uint256 = scale_word << EPOCH_BITS >> EPOCH_BITS
    base: uint256 = BASE_MASK
    if amount < BASE_MASK // scale:
        base = amount * scale
    self._base_allowances[owner][spender] = scale_word >> EPOCH_SHIFT << EPOCH_SHIFT | base
    log IERC20.Approval(owner=owner, spender=spender, value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    word: uint256 = self._base_allowances[owner][spender]
    if ~word << EPOCH_BITS == 0:  # base field all ones: infinite
        return
    scale_word: uint256 = self._scale_word
    scale: uint256 = scale_word << EPOCH_BITS >> EPOCH_BITS
    allowed: uint256 = self._current_base(word, scale_word)
    assert amount <= allowed // scale, "lt: allowance"  # by division: no amount overflows
    self._base_allowances[owner][spender] = scale_word >> EPOCH_SHIFT << EPOCH_SHIFT | unsafe_sub(allowed, unsafe_mul(amount, scale))


@internal
def _burn_from(owner: address, shares: uint256):
    """
    @dev Burn `shares` of `owner`; a caller other than the owner spends its allowance.
    """
    if owner != msg.sender:
        self._spend_allowance(owner, msg.sender, shares)
    base: uint256 = self._debit(owner, shares, self._scale_word)
    self._base_supply -= base
    log IERC20.Transfer(sender=owner, receiver=empty(address), value=shares)


@internal
def _debit(owner: address, shares: uint256, scale_word: uint256) -> uint256:
    """
    @dev Take `shares` off `owner`'s balance; return them in base units of the current epoch.
    """
    scale: uint256 = scale_word << EPOCH_BITS >> EPOCH_BITS
    owner_base: uint256 = self._current_base(self._base_balances[owner], scale_word)
    assert shares <= owner_base // scale, "lt: balance"  # by division: no amount overflows
    base: uint256 = unsafe_mul(shares, scale)  # <= owner_base
    self._base_balances[owner] = scale_word >> EPOCH_SHIFT << EPOCH_SHIFT | unsafe_sub(owner_base, base)  # >= 0
    return base


@internal
def _mint_shares(receiver: address, shares: uint256):
    scale_word: uint256 = self._scale_word
    base: uint256 = shares * (scale_word << EPOCH_BITS >> EPOCH_BITS)
    supply: uint256 = self._base_supply + base
    assert supply >> EPOCH_SHIFT == 0  # within BASE_MASK: the base field of a slot holds any balance
    self._base_supply = supply
    self._credit(receiver, base, scale_word)
    log IERC20.Transfer(sender=empty(address), receiver=receiver, value=shares)


@internal
def _rescale(factor: uint256, is_reverse: bool) -> uint256:
    """
    @dev A split (shares x factor: base_per_share / factor, which must divide it exactly) or a
         reverse split (shares / factor, rounded down per holder: base_per_share x factor). A
         reverse split past MAX_BASE_PER_SHARE starts the next epoch at INITIAL_BASE_PER_SHARE
         (module notes). Every balance, allowance and the supply follow in O(1).
    @return The supply after, in shares.
    """
    scale_word: uint256 = self._scale_word
    scale: uint256 = scale_word << EPOCH_BITS >> EPOCH_BITS
    epoch: uint256 = scale_word >> EPOCH_SHIFT
    supply: uint256 = self._base_supply
    if is_reverse:
        scale *= factor
        # a fund with holders never reads a supply of 0: "supply 0" means "no holder yet" to the
        # first-mint pricing and to the configurator's instant changes
        if supply != 0 and supply < scale:
            self._raise_bounds()
        if scale > MAX_BASE_PER_SHARE:
            if epoch == MAX_EPOCH:
                self._raise_bounds()
            epoch = unsafe_add(epoch, 1)
            self._earlier_final_scale = self._last_final_scale
            self._last_final_scale = scale
            supply = self._convert(supply, scale)  # >= INITIAL: supply >= scale above
            self._base_supply = supply
            scale = INITIAL_BASE_PER_SHARE
    else:
        if scale % factor != 0:
            self._raise_bounds()
        scale //= factor
    self._scale_word = epoch << EPOCH_SHIFT | scale
    return supply // scale
