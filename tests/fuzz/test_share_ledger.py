"""The share ledger module (contracts/share_ledger.vy) on its own, through its harness
(contracts/mocks/MockShareLedger.vy), on titanoboa: the ERC-20 rules, the O(1) split rescaling
of balances, allowances and the supply, and EIP-2612 permits against the EIP-712 domain.

The token exports exactly these functions; tests/contracts and the state machine test them in
the token. Here each rule is checked where it is written, with full integer ranges.
Units: shares in wei; base units = shares x base_per_share.
"""

from __future__ import annotations

import boa
import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak
from hypothesis import example, given
from hypothesis import strategies as st

from fuzz.chain import MAX_UINT256, ZERO_ADDRESS, deployed_once, deployer, revert_reason
from fuzz.profiles import fuzz_settings
from ltsdk import share_scale
from ltsdk.permit import permit_typed_data, sign_permit
from ltsdk.units import BPS

NAME, SYMBOL = "BTC 3x Long", "BTC3L"
INITIAL_BASE_PER_SHARE = 10**24 * 2**3 * 3**2 * 7  # as in share_ledger.vy
MAX_BASE_PER_SHARE = 10**42
BASE_MASK = 2**240 - 1  # share_ledger.vy: the base-units field of a slot; all ones = infinite
# every split factor (2..10,000) that divides INITIAL_BASE_PER_SHARE exactly
FACTORS = st.sampled_from([f for f in range(2, 10_001) if INITIAL_BASE_PER_SHARE % f == 0])
SHARES = st.integers(0, 10**30)  # far beyond any fund's supply, below where base units overflow

holder = boa.env.generate_address("holder")
other_holder = boa.env.generate_address("other_holder")
spender = boa.env.generate_address("spender")
signer = Account.from_key(keccak(b"share ledger permit signer"))


@deployed_once(lambda ledger: ledger)
def ledger():
    """The harness, deployed once (outside every example's anchor, which rolls back to it)."""
    return deployer("mocks/MockShareLedger").deploy(NAME, SYMBOL)


@pytest.fixture(scope="module", autouse=True)
def deployed_ledger():
    return ledger()


def _permit_args(owner_key, value: int, deadline: int):
    """permit()'s arguments, signed by `owner_key` for its current nonce, `spender` as spender."""
    token = ledger()
    owner = owner_key.address
    nonce = token.nonces(owner)
    typed = permit_typed_data(
        NAME,
        boa.env.evm.patch.chain_id,
        token.address,
        owner,
        spender,
        value,
        nonce,
        deadline,
        base_per_share=token.base_per_share(),
    )
    v, r, s = sign_permit(owner_key, typed)
    return owner, spender, value, deadline, v, r, s


# ---------------------------------------------------------------- ERC-20


def test_metadata__name_symbol_decimals__as_deployed():
    token = ledger()
    assert (token.name(), token.symbol(), token.decimals()) == (NAME, SYMBOL, 18)
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE
    assert token.totalSupply() == 0


@fuzz_settings()
@given(minted=SHARES, other_minted=SHARES, sent=SHARES, burned=SHARES)
def test_mint_transfer_burn__any_amounts__supply_is_the_sum_of_balances(minted, other_minted, sent, burned):
    token = ledger()
    token.mint(holder, minted)
    token.mint(other_holder, other_minted)
    if sent <= minted:
        token.transfer(other_holder, sent, sender=holder)
    else:
        assert revert_reason(lambda: token.transfer(other_holder, sent, sender=holder)) == "lt: balance"
        sent = 0
    if burned <= other_minted + sent:
        token.burn_from(other_holder, burned, sender=other_holder)
    else:
        assert revert_reason(lambda: token.burn_from(other_holder, burned, sender=other_holder)) == "lt: balance"
        burned = 0
    assert token.balanceOf(holder) == minted - sent
    assert token.balanceOf(other_holder) == other_minted + sent - burned
    assert token.totalSupply() == token.balanceOf(holder) + token.balanceOf(other_holder)


def test_transfer__to_the_zero_address__reverts_receiver():
    token = ledger()
    token.mint(holder, 10)
    assert revert_reason(lambda: token.transfer(ZERO_ADDRESS, 1, sender=holder)) == "lt: receiver"
    assert revert_reason(lambda: token.approve(ZERO_ADDRESS, 1, sender=holder)) == "lt: receiver"


@fuzz_settings()
@given(allowed=SHARES, spent=SHARES)
def test_transfer_from__finite_allowance__drops_by_exactly_the_amount(allowed, spent):
    token = ledger()
    token.mint(holder, 10**30)
    token.approve(spender, allowed, sender=holder)
    if spent <= allowed:
        token.transferFrom(holder, other_holder, spent, sender=spender)
        assert token.allowance(holder, spender) == allowed - spent
        assert token.balanceOf(other_holder) == spent
    else:
        assert revert_reason(lambda: token.transferFrom(holder, other_holder, spent, sender=spender)) == "lt: allowance"
        assert token.allowance(holder, spender) == allowed


@fuzz_settings()
@given(amount=st.integers(BASE_MASK // INITIAL_BASE_PER_SHARE, MAX_UINT256), spent=SHARES)
def test_approve__amount_too_large_to_scale__is_infinite_and_never_spent(amount, spent):
    token = ledger()
    token.mint(holder, 10**30)
    token.approve(spender, amount, sender=holder)
    assert token.allowance(holder, spender) == MAX_UINT256
    token.transferFrom(holder, other_holder, spent, sender=spender)
    token.burn_from(holder, min(spent, 10**30 - spent), sender=spender)
    assert token.allowance(holder, spender) == MAX_UINT256


def test_burn_from__other_caller_without_allowance__reverts_allowance():
    token = ledger()
    token.mint(holder, 10)
    assert revert_reason(lambda: token.burn_from(holder, 1, sender=spender)) == "lt: allowance"
    assert token.balanceOf(holder) == 10


# ---------------------------------------------------------------- splits


@fuzz_settings()
@given(balance=SHARES, other_balance=SHARES, allowed=SHARES, factor=FACTORS)
def test_split__then_reverse_split__scales_balances_allowances_supply_and_back(balance, other_balance, allowed, factor):
    token = ledger()
    token.mint(holder, balance)
    token.mint(other_holder, other_balance)
    token.approve(spender, allowed, sender=holder)
    token.approve(other_holder, MAX_UINT256, sender=holder)

    assert token.rescale(factor, False) == (balance + other_balance) * factor
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE // factor
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == (balance * factor, other_balance * factor)
    assert token.allowance(holder, spender) == allowed * factor
    assert token.allowance(holder, other_holder) == MAX_UINT256

    assert token.rescale(factor, True) == balance + other_balance
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == (balance, other_balance)
    assert token.allowance(holder, spender) == allowed
    assert token.allowance(holder, other_holder) == MAX_UINT256


@fuzz_settings()
@given(balance=SHARES, other_balance=SHARES, factor=st.integers(2, 10_000))
def test_reverse_split__rounds_each_balance_down_and_keeps_the_remainder(balance, other_balance, factor):
    token = ledger()
    token.mint(holder, balance)
    token.mint(other_holder, other_balance)
    if 0 < balance + other_balance < factor:
        # a funded supply may not read 0 after a reverse split ("supply 0" means "no holder yet")
        assert revert_reason(lambda: token.rescale(factor, True)) == "lt: bounds"
        assert token.base_per_share() == INITIAL_BASE_PER_SHARE
        return
    supply = token.rescale(factor, True)
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == (balance // factor, other_balance // factor)
    # the supply is floored once, so it may exceed the floored balances by < 1 wei per holder
    assert supply == (balance + other_balance) // factor
    assert 0 <= supply - token.balanceOf(holder) - token.balanceOf(other_holder) <= 1
    # the remainders stayed in base units: splitting back restores every balance exactly
    token.rescale(factor, False)
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == (balance, other_balance)


@pytest.mark.parametrize("factor", [11, 13, 9_973])
def test_split__factor_not_dividing_base_per_share__reverts_bounds(factor):
    token = ledger()
    assert revert_reason(lambda: token.rescale(factor, False)) == "lt: bounds"
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE


def test_reverse_split__beyond_max_base_per_share__starts_the_next_epoch_at_the_initial_scale():
    token = ledger()
    factor = MAX_BASE_PER_SHARE // INITIAL_BASE_PER_SHARE + 1  # > 10,000: the harness takes any factor
    token.mint(holder, 3 * factor + 2)
    token.rescale(factor - 1, True)  # exactly at the bound: the same epoch
    assert (token.share_epoch(), token.base_per_share()) == (0, INITIAL_BASE_PER_SHARE * (factor - 1))
    token.rescale(factor - 1, False)  # back, then over the bound
    assert token.rescale(factor, True) == 3
    assert (token.share_epoch(), token.base_per_share()) == (1, INITIAL_BASE_PER_SHARE)
    assert token.balanceOf(holder) == 3


def _reverse_splits_to_next_epoch(token, factor: int = 10) -> int:
    """Reverse split by `factor` until the share epoch moves on; return how many it took."""
    epoch, count = token.share_epoch(), 0
    while token.share_epoch() == epoch:
        token.rescale(factor, True)
        count += 1
    return count


@fuzz_settings()
@given(balance=SHARES, other_balance=SHARES, allowed=SHARES, splits=st.integers(0, 31))
def test_reverse_split__across_an_epoch__share_counts_stay_exact_and_convert_on_touch(
    balance, other_balance, allowed, splits
):
    token = ledger()
    token.mint(holder, balance)
    token.mint(other_holder, other_balance)
    token.approve(spender, allowed, sender=holder)
    token.approve(other_holder, MAX_UINT256, sender=holder)
    # climb part of the way with reverse splits by 10, which every supply of >= 10**splits survives
    supply = balance + other_balance
    steps = min(splits, len(str(supply)) - 1) if supply else splits
    for _ in range(steps):
        token.rescale(10, True)
    # the one that crosses: factor chosen so the scale passes MAX_BASE_PER_SHARE (harness: any factor)
    scale = token.base_per_share()
    factor = MAX_BASE_PER_SHARE // scale + 1
    expected = [value // 10**steps // factor for value in (balance, other_balance, allowed)]
    if supply and supply // 10**steps < factor:
        assert revert_reason(lambda: token.rescale(factor, True)) == "lt: bounds"
        return
    token.rescale(factor, True)
    assert (token.share_epoch(), token.base_per_share()) == (1, INITIAL_BASE_PER_SHARE)
    # read converted (no write yet), then touched: the same exact share counts
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == tuple(expected[:2])
    assert token.allowance(holder, spender) == expected[2]
    assert token.allowance(holder, other_holder) == MAX_UINT256
    assert token.totalSupply() == supply // 10**steps // factor
    # each slot's base units in the new epoch: floor(base x INITIAL / final scale)
    final = INITIAL_BASE_PER_SHARE * 10**steps * factor
    initial = INITIAL_BASE_PER_SHARE
    bases = [value * initial * initial // final for value in (balance, other_balance, allowed)]
    token.transfer(other_holder, 0, sender=holder)
    if expected[2] and expected[0]:
        token.transferFrom(holder, other_holder, 1, sender=spender)
        expected = [expected[0] - 1, expected[1] + 1, expected[2] - 1]
        bases = [bases[0] - initial, bases[1] + initial, bases[2] - initial]
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == tuple(expected[:2])
    assert token.allowance(holder, spender) == expected[2]
    # splitting forward in the new epoch: the sub-share remainders kept in base units come back
    token.rescale(1_000, False)
    after = [base * 1_000 // INITIAL_BASE_PER_SHARE for base in bases]
    assert (token.balanceOf(holder), token.balanceOf(other_holder)) == tuple(after[:2])
    assert token.allowance(holder, spender) == after[2]
    assert token.totalSupply() >= token.balanceOf(holder) + token.balanceOf(other_holder)


def test_reverse_split__ten_by_ten_in_a_row__succeed_and_keep_balances_and_allowances_exact():
    """Regression (issue 14, L4): the sixth reverse_split(10) reverted with the scale at its cap."""
    token = ledger()
    balance, other_balance, allowed = 7 * 10**29 + 123, 10**29 + 456, 5 * 10**27 + 789
    token.mint(holder, balance)
    token.mint(other_holder, other_balance)
    token.approve(spender, allowed, sender=holder)
    for count in range(1, 11):
        token.rescale(10, True)
        assert (token.balanceOf(holder), token.balanceOf(other_holder)) == (
            balance // 10**count,
            other_balance // 10**count,
        )
        assert token.allowance(holder, spender) == allowed // 10**count
        assert token.totalSupply() == (balance + other_balance) // 10**count


def test_reverse_split__three_epochs_on__an_untouched_balance_was_under_one_share_wei():
    """The O(1) bound: a slot two epochs stale converts exactly (two steps); three epochs stale it
    reads 0, and its exact value was already below one wei of share."""
    token = ledger()
    big = BASE_MASK // INITIAL_BASE_PER_SHARE  # the most shares the initial scale holds
    token.mint(other_holder, big // 2)
    token.mint(holder, big // 3)
    exact = big // 3
    for epoch in range(1, 4):
        token.transfer(other_holder, 0, sender=other_holder)  # keep the other holder current
        scale = token.base_per_share()
        factor = MAX_BASE_PER_SHARE // scale + 1
        if token.totalSupply() < factor:  # keep the supply funded so the reverse split fits
            token.mint(other_holder, factor)
        token.rescale(factor, True)
        exact //= factor
        assert token.share_epoch() == epoch
        assert token.balanceOf(holder) == exact
    assert exact == 0


# ---------------------------------------------------------------- EIP-2612 and EIP-712


def test_domain_separator__name_version_chain_contract_and_share_unit():
    token = ledger()
    type_hash = keccak(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)"
    )
    expected = keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address", "uint256"],
            [
                type_hash,
                keccak(NAME.encode()),
                keccak(b"1"),
                boa.env.evm.patch.chain_id,
                token.address,
                token.base_per_share(),
            ],
        )
    )
    assert token.DOMAIN_SEPARATOR() == expected


@fuzz_settings()
@given(value=st.integers(0, MAX_UINT256))
def test_permit__owner_signature__sets_the_allowance_and_uses_the_nonce(value):
    token = ledger()
    args = _permit_args(signer, value, deadline=boa.env.timestamp)
    token.permit(*args)
    expected = value if value < BASE_MASK // INITIAL_BASE_PER_SHARE else MAX_UINT256
    assert token.allowance(signer.address, spender) == expected
    assert token.nonces(signer.address) == 1
    # the same signature cannot be used twice: the nonce moved on
    assert revert_reason(lambda: token.permit(*args)) == "lt: signature"


def test_permit__past_deadline__reverts_expired():
    token = ledger()
    args = _permit_args(signer, 5, deadline=boa.env.timestamp - 1)
    assert revert_reason(lambda: token.permit(*args)) == "lt: expired"
    assert token.nonces(signer.address) == 0


def test_permit__signed_by_someone_else__reverts_signature():
    token = ledger()
    stranger = Account.from_key(keccak(b"not the owner"))
    _, spender_, value, deadline, v, r, s = _permit_args(stranger, 5, deadline=boa.env.timestamp)
    assert revert_reason(lambda: token.permit(signer.address, spender_, value, deadline, v, r, s)) == "lt: signature"
    assert token.allowance(signer.address, spender) == 0


# ---------------------------------------------------------------- the off-chain mirror of the scale

HOLDERS = (holder, other_holder, spender)
LEDGER_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("mint"), st.integers(0, 2), st.integers(1, 10**24)),  # x 25 stays below BASE_MASK
        st.tuples(st.just("transfer"), st.integers(0, 2), st.integers(0, 2), st.integers(0, BPS)),
        st.tuples(st.just("split"), st.sampled_from([2, 10, 1_000, 10_000])),
        st.tuples(st.just("reverse_split"), st.sampled_from([10, 10_000])),
        st.just(("next_epoch",)),
    ),
    max_size=25,
)


# an untouched holder three epochs on (the ledger reads it as 0), the rest kept funded
THREE_EPOCHS_STALE = [("mint", 0, 10**24), *[("mint", 1, 10**24), ("next_epoch",)] * 3, ("split", 10)]


@fuzz_settings()
@given(steps=LEDGER_STEPS)
@example(steps=THREE_EPOCHS_STALE)
def test_share_scale__follows_the_ledger_across_epochs__base_units_agree_for_every_holder(steps):
    """ltsdk.share_scale (what the indexer applies per holder: a Transfer moves shares x scale, a new
    epoch converts every balance with cross_epoch) reads every balance exactly as the ledger does,
    through splits, reverse splits and epochs that leave some holders untouched for three and more."""
    token = ledger()
    scale = INITIAL_BASE_PER_SHARE
    book = {address: [0, 0] for address in HOLDERS}  # address -> [base units, epochs stale]

    def move(sender, receiver, shares):
        if sender is not None:
            book[sender] = [book[sender][0] - shares * scale, 0]
        book[receiver] = [book[receiver][0] + shares * scale, 0]

    for step in steps:
        kind = step[0]
        if kind == "mint":
            _, to, shares = step
            token.mint(HOLDERS[to], shares)
            move(None, HOLDERS[to], shares)
        elif kind == "transfer":
            _, source, to, fraction = step
            shares = token.balanceOf(HOLDERS[source]) * fraction // BPS
            token.transfer(HOLDERS[to], shares, sender=HOLDERS[source])
            move(HOLDERS[source], HOLDERS[to], shares)
        else:
            factor = step[1] if len(step) > 1 else MAX_BASE_PER_SHARE // scale + 1  # next_epoch: crosses
            is_reverse = kind != "split"
            if (not is_reverse and scale % factor) or (is_reverse and 0 < token.totalSupply() < factor):
                continue  # refused by the ledger ("lt: bounds"): tested above
            token.rescale(factor, is_reverse)
            scale, final = share_scale.rescale(scale, factor, is_reverse)
            if final is not None:
                for address, (base, stale) in book.items():
                    book[address] = list(share_scale.cross_epoch(base, stale, final))
        assert token.base_per_share() == scale
        for address, (base, _) in book.items():
            assert token.balanceOf(address) == base // scale
    # split forward as far as the scale divides by 10: sub-share remainders (and what the ledger
    # reads as 0 three epochs on) become visible as share counts
    while scale % 10 == 0:
        token.rescale(10, False)
        scale //= 10
    for address, (base, _) in book.items():
        assert token.balanceOf(address) == base // scale
