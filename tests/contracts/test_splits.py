"""Share splits of LeveragedToken (PROTOCOL §3.5): split, reverse_split, split_status.

Shares are stored in base units (`balance = base // base_per_share`, the same for allowances and
the supply), so a split only changes `base_per_share`:

- split(f) divides base_per_share by f (which must divide it exactly): every balance, allowance
  and the supply are multiplied by f, exactly;
- reverse_split(f) multiplies base_per_share by f: every balance, allowance and the supply are
  divided by f and rounded down. A holder's remainder (< 1 wei of share) stays in its own base
  balance, invisible; so with n holders, 0 <= totalSupply - sum(balances) < n.

NAV (totalAssets) never moves; NAV per share moves by the factor. Every test here runs with the
streaming management fee off (except where it is the subject) so that the supply changes only
through the split under test.
"""

from __future__ import annotations

import ape
import pytest
from eth_account import Account
from eth_utils import keccak
from helpers import split_status_of

from ltsdk import permit
from ltsdk.units import MAX_UINT256, SECONDS_PER_YEAR, USDC, WAD

INITIAL_BASE_PER_SHARE = 10**24 * 2**3 * 3**2 * 7  # share_ledger.vy: each scale epoch starts here
BASE_MASK = 2**240 - 1  # share_ledger.vy: a slot's base-units field; all ones = infinite
MISSING_ROLE = "access_control: account is missing role"
NOT_NEEDED = "lt: not needed"

# odd amounts (shares, 18 decimals) the depositor hands out, so no balance is a round number
GIFTS = {
    "attacker": 7_777_777_777_777_777_777,
    "outsider": 1_234_567_890_123_456_789,
    "guardian": 999_999_999_999_999_999,
    "keeper": 3,
    "fee_recipient": 100_000_000_000_000_013,
    "admin": 42_000_000_000_000_001,
}

# (owner, spender, amount) approvals; MAX_UINT256 is infinite
APPROVALS = [
    ("depositor", "other_depositor", 12_345_678_901_234_567_891),
    ("other_depositor", "attacker", 5_000_000_000_000_000_007),
    ("attacker", "outsider", MAX_UINT256),
    ("guardian", "keeper", 7),
    ("keeper", "depositor", 10**18 + 9),
    ("outsider", "guardian", 1),
]


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture
def actors(admin, keeper, guardian, depositor, other_depositor, attacker, fee_recipient, outsider):
    return {
        "admin": admin,
        "keeper": keeper,
        "guardian": guardian,
        "depositor": depositor,
        "other_depositor": other_depositor,
        "attacker": attacker,
        "fee_recipient": fee_recipient,
        "outsider": outsider,
    }


@pytest.fixture
def no_fee_token(token, admin, configure):
    """BTC3L without the streaming management fee: a split then changes the supply only by its factor."""
    configure(token, "set_fees", 10, 10, 0)
    return token


@pytest.fixture
def seeded(no_fee_token, depositor, other_depositor, fund):
    """Two depositors with odd amounts (plus the token's own DEAD_SHARES)."""
    token = no_fee_token
    fund(depositor, token, 20_000 * USDC)
    token.deposit(10_000 * USDC + 123_457, depositor, sender=depositor)
    fund(other_depositor, token, 20_000 * USDC)
    token.deposit(3_333 * USDC + 333_337, other_depositor, sender=other_depositor)
    return token


@pytest.fixture
def holders(seeded, actors):
    """Nine holders with odd balances (the token itself holds the dead shares) and six allowances
    among them, one of them infinite. Returns the holders' addresses."""
    token = seeded
    for name, amount in GIFTS.items():
        token.transfer(actors[name], amount, sender=actors["depositor"])
    for owner, spender, amount in APPROVALS:
        token.approve(actors[spender], amount, sender=actors[owner])
    addresses = [token.address] + [actor.address for actor in actors.values()]
    assert all(token.balanceOf(address) > 0 for address in addresses)
    return addresses


def balances_of(token, addresses):
    return [token.balanceOf(address) for address in addresses]


def allowances_of(token, actors):
    return [token.allowance(actors[owner], actors[spender]) for owner, spender, _ in APPROVALS]


def only_split_event(token, tx):
    logs = tx.events.filter(token.Split)
    assert len(logs) == 1
    return logs[0]


# ---------------------------------------------------------------- split: exact scaling


@pytest.mark.parametrize("factor", [2, 7, 10, 10_000])
def test_split__scales_every_balance_allowance_and_supply_exactly(seeded, holders, actors, admin, factor):
    token = seeded
    balances, allowances = balances_of(token, holders), allowances_of(token, actors)
    supply, nav, nav_per_share = token.totalSupply(), token.totalAssets(), token.nav_per_share()
    assert sum(balances) == supply

    tx = token.split(factor, sender=admin)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE // factor
    assert balances_of(token, holders) == [factor * balance for balance in balances]
    assert allowances_of(token, actors) == [
        MAX_UINT256 if allowance == MAX_UINT256 else factor * allowance for allowance in allowances
    ]
    assert token.totalSupply() == factor * supply
    assert sum(balances_of(token, holders)) == token.totalSupply()  # a split is exact: no dust
    assert token.totalAssets() == nav
    assert not tx.events.filter(token.Transfer)  # documented: balances rescale without Transfer events
    event = only_split_event(token, tx)
    assert (event.factor, event.is_reverse) == (factor, False)
    assert event.nav_per_share_before == nav_per_share
    # floor(floor(x) / f) == floor(x / f): exactly the factor, no extra rounding
    assert event.nav_per_share_after == nav_per_share // factor == token.nav_per_share()


@pytest.mark.parametrize("factor", [3, 10, 10_000])
def test_reverse_split__floors_every_balance_and_allowance_dust_below_one_wei_per_holder(
    seeded, holders, actors, admin, factor
):
    """Each holder loses its remainder `balance % factor` (less than one wei of the new share);
    the supply is floor(sum / factor), so it exceeds the sum of the floored balances by
    floor(sum(remainders) / factor) <= n - 1 for n holders: sum <= totalSupply < sum + n."""
    token = seeded
    balances, allowances = balances_of(token, holders), allowances_of(token, actors)
    supply, nav, nav_per_share = token.totalSupply(), token.totalAssets(), token.nav_per_share()

    tx = token.reverse_split(factor, sender=admin)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE * factor
    after = balances_of(token, holders)
    assert after == [balance // factor for balance in balances]
    assert allowances_of(token, actors) == [
        MAX_UINT256 if allowance == MAX_UINT256 else allowance // factor for allowance in allowances
    ]
    assert token.totalSupply() == supply // factor
    dust = token.totalSupply() - sum(after)
    assert dust == sum(balance % factor for balance in balances) // factor
    assert 0 <= dust < len(holders)
    assert token.totalAssets() == nav
    event = only_split_event(token, tx)
    assert (event.factor, event.is_reverse) == (factor, True)
    assert event.nav_per_share_before == nav_per_share
    assert event.nav_per_share_after == token.nav_per_share() == nav * WAD // token.totalSupply()
    # the supply was floored, so NAV per share can only come out a hair above factor x before
    assert factor * nav_per_share <= event.nav_per_share_after <= factor * (nav_per_share + 1)


def test_split_then_reverse_split__same_factor__is_the_identity(seeded, holders, actors, admin):
    token = seeded
    balances, allowances, supply = balances_of(token, holders), allowances_of(token, actors), token.totalSupply()

    token.split(1_000, sender=admin)
    token.reverse_split(1_000, sender=admin)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE
    assert balances_of(token, holders) == balances
    assert allowances_of(token, actors) == allowances
    assert token.totalSupply() == supply


def test_reverse_split_then_split__same_factor__restores_every_balance_exactly(seeded, holders, actors, admin):
    """A reverse split never touches base balances: each holder's sub-wei remainder stays in its
    own base units. Splitting back by the same factor therefore makes it visible again, and every
    balance, allowance and the supply come back exactly: balance_after == balance_before, well
    inside the bound [balance_before - factor + 1, balance_before + factor - 1]."""
    token = seeded
    factor = 10
    balances, allowances, supply = balances_of(token, holders), allowances_of(token, actors), token.totalSupply()
    assert any(balance % factor for balance in balances)  # some remainders are really hidden

    token.reverse_split(factor, sender=admin)
    assert balances_of(token, holders) != balances
    token.split(factor, sender=admin)

    after = balances_of(token, holders)
    assert after == balances
    assert all(b - factor < a < b + factor for a, b in zip(after, balances, strict=True))
    assert allowances_of(token, actors) == allowances
    assert token.totalSupply() == supply
    assert sum(after) == token.totalSupply()


def management_fee_shares(supply, elapsed, fee_bps=365):
    """lt_math._management_fee_shares: supply * f / (1 - f), rounded up."""
    accrued = fee_bps * min(elapsed, SECONDS_PER_YEAR)
    return -(-supply * accrued // (10_000 * SECONDS_PER_YEAR - accrued))


def test_split__leaves_management_fee_pending_and_it_streams_on_the_scaled_supply(
    token, admin, depositor, fee_recipient, fund, chain, configure
):
    """A split mints no fee (the supply only scales); the fee streamed so far stays pending and
    is minted at the next share-changing call on the new supply: factor x the old amount, give or
    take the rounding-up of one mul_div (0 <= 10 * old - new <= 9). NAV per share in the event
    counts the pending fee shares on both sides."""
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    accrual, supply = token.last_fee_accrual(), token.totalSupply()
    assert token.management_fee_bps() == 365 and token.balanceOf(fee_recipient) == 0
    chain.pending_timestamp = accrual + 86_400

    tx = token.split(10, sender=admin)

    assert not tx.events.filter(token.ManagementFeeMinted)
    assert token.last_fee_accrual() == accrual
    # totalSupply counts the pending fee shares (issue 14 I1); the minted supply scaled exactly
    assert token.totalSupply() - token.pending_fee_shares() == 10 * supply
    assert token.pending_fee_shares() == management_fee_shares(10 * supply, tx.timestamp - accrual)
    assert token.balanceOf(fee_recipient) == 0
    nav, elapsed = token.totalAssets(), tx.timestamp - accrual
    event = only_split_event(token, tx)
    assert event.nav_per_share_before == nav * WAD // (supply + management_fee_shares(supply, elapsed))
    assert event.nav_per_share_after == nav * WAD // (10 * supply + management_fee_shares(10 * supply, elapsed))

    tx = configure(token, "set_fees", 10, 10, 365)  # accrues what streamed since the deposit

    elapsed = tx.timestamp - accrual
    minted = [log.shares for log in tx.events.filter(token.ManagementFeeMinted)]
    assert minted == [management_fee_shares(10 * supply, elapsed)]
    assert 0 <= 10 * management_fee_shares(supply, elapsed) - minted[0] <= 9
    assert token.balanceOf(fee_recipient) == minted[0]
    assert token.totalSupply() == 10 * supply + minted[0]


# ---------------------------------------------------------------- ERC-20 in the new units


def test_split__transfers_approvals_and_transfer_from_work_in_new_units(
    seeded, holders, admin, depositor, other_depositor, outsider
):
    token = seeded
    token.split(10, sender=admin)
    balance, other = token.balanceOf(depositor), token.balanceOf(outsider)
    allowance = token.allowance(depositor, other_depositor)

    tx = token.transfer(outsider, 1_234_567_891_234_567_891, sender=depositor)

    assert [log.value for log in tx.events.filter(token.Transfer)] == [1_234_567_891_234_567_891]
    assert token.balanceOf(depositor) == balance - 1_234_567_891_234_567_891
    assert token.balanceOf(outsider) == other + 1_234_567_891_234_567_891

    # the pre-split allowance (scaled by 10) is spendable to the last wei, not one more
    token.transferFrom(depositor, outsider, allowance - 1, sender=other_depositor)
    assert token.allowance(depositor, other_depositor) == 1
    token.transferFrom(depositor, outsider, 1, sender=other_depositor)
    assert token.allowance(depositor, other_depositor) == 0
    with ape.reverts("lt: allowance"):
        token.transferFrom(depositor, outsider, 1, sender=other_depositor)
    assert token.balanceOf(outsider) == other + 1_234_567_891_234_567_891 + allowance

    # a new approval is read in the new units
    tx = token.approve(other_depositor, 333_333_333_333_333_333, sender=depositor)
    assert [log.value for log in tx.events.filter(token.Approval)] == [333_333_333_333_333_333]
    assert token.allowance(depositor, other_depositor) == 333_333_333_333_333_333
    token.transferFrom(depositor, other_depositor, 333_333_333_333_333_330, sender=other_depositor)
    assert token.allowance(depositor, other_depositor) == 3
    with ape.reverts("lt: balance"):
        token.transfer(outsider, token.balanceOf(depositor) + 1, sender=depositor)


def test_reverse_split__whole_balance_transfer_leaves_zero_until_a_split_resurfaces_the_remainder(
    seeded, holders, admin, attacker, outsider
):
    """After a reverse split the holder's remainder (balance % factor of the old shares) is not
    transferable; it stays in the holder's base units, and a later split by the same factor makes
    it visible (and spendable) again. It is not lost, nor owned by anyone else."""
    token = seeded
    before = token.balanceOf(attacker)
    assert before % 10 != 0
    token.reverse_split(10, sender=admin)
    balance, received = token.balanceOf(attacker), token.balanceOf(outsider)
    assert balance == before // 10

    token.transfer(outsider, balance, sender=attacker)

    assert token.balanceOf(attacker) == 0
    assert token.balanceOf(outsider) == received + balance
    with ape.reverts("lt: balance"):
        token.transfer(outsider, 1, sender=attacker)

    token.split(10, sender=admin)

    assert token.balanceOf(attacker) == before % 10
    token.transfer(outsider, before % 10, sender=attacker)
    assert token.balanceOf(attacker) == 0


def test_infinite_allowance__stays_infinite_across_split_and_reverse_split(
    seeded, holders, admin, depositor, attacker, outsider
):
    token = seeded
    token.approve(outsider, MAX_UINT256, sender=depositor)
    token.approve(attacker, 10**18 + 1, sender=depositor)

    token.split(10_000, sender=admin)
    assert token.allowance(depositor, outsider) == MAX_UINT256
    assert token.allowance(depositor, attacker) == 10_000 * (10**18 + 1)
    token.transferFrom(depositor, outsider, 10**18, sender=outsider)
    assert token.allowance(depositor, outsider) == MAX_UINT256  # never spent down

    token.reverse_split(100, sender=admin)
    token.reverse_split(1_000, sender=admin)
    assert token.allowance(depositor, outsider) == MAX_UINT256
    assert token.allowance(depositor, attacker) == 10_000 * (10**18 + 1) // 100_000


def test_approve__amount_too_large_to_scale__is_stored_as_infinite(seeded, admin, depositor, outsider):
    """Documented in approve(): an amount whose base units would overflow is kept as infinite."""
    token = seeded
    token.approve(outsider, BASE_MASK // INITIAL_BASE_PER_SHARE, sender=depositor)
    assert token.allowance(depositor, outsider) == MAX_UINT256
    token.approve(outsider, BASE_MASK // INITIAL_BASE_PER_SHARE - 1, sender=depositor)
    assert token.allowance(depositor, outsider) == BASE_MASK // INITIAL_BASE_PER_SHARE - 1

    token.reverse_split(10, sender=admin)

    assert token.allowance(depositor, outsider) == (BASE_MASK // INITIAL_BASE_PER_SHARE - 1) // 10


# ---------------------------------------------------------------- bounds


@pytest.mark.parametrize("method", ["split", "reverse_split"])
@pytest.mark.parametrize("factor", [0, 1, 10_001])
def test_split__factor_out_of_bounds__reverts_bounds(seeded, admin, method, factor):
    token = seeded
    supply = token.totalSupply()

    with ape.reverts("lt: bounds"):
        getattr(token, method)(factor, sender=admin)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE
    assert token.totalSupply() == supply


@pytest.mark.parametrize("factor", [11, 9_973])
def test_split__factor_not_dividing_base_per_share__reverts_bounds(seeded, admin, depositor, factor):
    token = seeded
    assert INITIAL_BASE_PER_SHARE % factor != 0
    balance = token.balanceOf(depositor)

    with ape.reverts("lt: bounds"):
        token.split(factor, sender=admin)
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE

    # once a reverse split has put the factor into base_per_share, the split is exact again
    token.reverse_split(factor, sender=admin)
    token.split(factor, sender=admin)
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE
    assert token.balanceOf(depositor) == balance


def test_split__factor_used_up__reverts_bounds(seeded, admin, depositor):
    """INITIAL_BASE_PER_SHARE holds 7 once: one split by 7 is exact, a second is refused."""
    token = seeded
    balance = token.balanceOf(depositor)
    token.split(7, sender=admin)
    assert token.balanceOf(depositor) == 7 * balance

    with ape.reverts("lt: bounds"):
        token.split(7, sender=admin)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE // 7


def test_reverse_split__ten_by_ten_in_a_row__succeed_and_keep_balances_and_allowances_exact(
    seeded, admin, depositor, outsider
):
    """Regression (issue 14, L4): the scale had a fixed cap (1e46 from 6.45e40), so the sixth
    reverse_split(10) reverted "lt: bounds" even for the admin; scale epochs renormalise it."""
    token = seeded
    balance = token.balanceOf(depositor)
    supply = token.totalSupply()
    assert supply >= 10**10
    allowed = balance // 3 + 7
    token.approve(outsider, allowed, sender=depositor)
    for count in range(1, 11):
        token.reverse_split(10, sender=admin)
        assert token.balanceOf(depositor) == balance // 10**count
        assert token.allowance(depositor, outsider) == allowed // 10**count
        assert token.totalSupply() == supply // 10**count
    assert token.base_per_share() == INITIAL_BASE_PER_SHARE * 10**10
    token.split(10, sender=admin)  # splitting back down is still possible
    assert token.balanceOf(depositor) == balance // 10**9


def test_reverse_split__that_would_make_a_funded_supply_read_zero__reverts_bounds(
    no_fee_token, admin, depositor, fund, set_price
):
    """Review finding: an admin who split an empty fund down to one base unit per share could
    later reverse-split the live fund until its supply read 0, which every "no holder yet" rule
    trusts (instant configuration changes, first-mint pricing of the next deposit). A reverse
    split may not take a funded supply below one wei."""
    token = no_fee_token
    while token.base_per_share() % 10 == 0:
        token.split(10, sender=admin)
    for factor in (2, 3, 7):
        while token.base_per_share() % factor == 0:
            token.split(factor, sender=admin)
    assert token.base_per_share() == 1
    set_price(60_000)
    fund(depositor, token, 1_000 * USDC)
    token.deposit(1_000 * USDC, depositor, sender=depositor)
    supply = token.totalSupply()
    while token.totalSupply() // 10 > 0:
        token.reverse_split(10, sender=admin)

    with ape.reverts("lt: bounds"):
        token.reverse_split(10, sender=admin)

    assert 0 < token.totalSupply() < 10 and token.totalAssets() > 0
    assert token.totalSupply() == supply // 10 ** (len(str(supply)) - 1)


# ---------------------------------------------------------------- who may split


@pytest.mark.parametrize("method", ["split", "reverse_split"])
@pytest.mark.parametrize("caller", ["outsider", "guardian", "depositor"])
@pytest.mark.parametrize("band", ["in band", "above band", "below band"])
def test_split__without_role__reverts_missing_role(seeded, actors, admin, method, caller, band, configure):
    token = seeded
    if band == "above band":
        configure(token, "set_split_band", USDC // 20, 20 * USDC)
    elif band == "below band":
        configure(token, "set_split_band", 2_000 * USDC, 200_000 * USDC)

    with ape.reverts(MISSING_ROLE):
        getattr(token, method)(10, sender=actors[caller])

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE


@pytest.mark.parametrize("method", ["split", "reverse_split"])
def test_split__from_keeper_in_band__reverts_not_needed(seeded, keeper, method):
    token = seeded
    assert token.split_lower_nav() == USDC and token.split_upper_nav() == 10_000 * USDC
    assert USDC <= token.nav_per_share() <= 10_000 * USDC
    assert tuple(split_status_of(token)) == (0, False)

    with ape.reverts(NOT_NEEDED):
        getattr(token, method)(10, sender=keeper)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE


def test_split__from_keeper_above_band__uses_split_status_factor(seeded, admin, keeper, depositor, configure):
    token = seeded
    configure(token, "set_split_band", USDC // 20, 20 * USDC)  # ~100 USDC per share is above
    nav_per_share = token.nav_per_share()
    assert nav_per_share > 20 * USDC
    factor, is_reverse = split_status_of(token)
    assert (factor, is_reverse) == (10, False)
    balance = token.balanceOf(depositor)

    tx = token.split(factor, sender=keeper)

    assert token.balanceOf(depositor) == 10 * balance
    event = only_split_event(token, tx)
    assert (event.factor, event.is_reverse, event.nav_per_share_before) == (10, False, nav_per_share)
    assert USDC // 20 <= token.nav_per_share() == nav_per_share // 10 <= 20 * USDC
    assert tuple(split_status_of(token)) == (0, False)
    with ape.reverts(NOT_NEEDED):  # back in band: the keeper may not go on
        token.split(10, sender=keeper)


@pytest.mark.parametrize(
    ("method", "factor"),
    [
        ("split", 2),  # ~50 USDC per share: still above
        ("split", 10_000),  # ~0.01 USDC per share: below the lower bound of 0.05
        ("reverse_split", 10),  # the wrong direction
    ],
)
def test_split__from_keeper_above_band_landing_outside__reverts_not_needed(
    seeded, admin, keeper, method, factor, configure
):
    token = seeded
    configure(token, "set_split_band", USDC // 20, 20 * USDC)

    with ape.reverts(NOT_NEEDED):
        getattr(token, method)(factor, sender=keeper)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE
    getattr(token, method)(factor, sender=admin)  # the admin may, at any time
    expected = INITIAL_BASE_PER_SHARE // factor if method == "split" else INITIAL_BASE_PER_SHARE * factor
    assert token.base_per_share() == expected


def test_reverse_split__from_keeper_below_band__uses_split_status_factor(seeded, admin, keeper, depositor, configure):
    token = seeded
    configure(token, "set_split_band", 2_000 * USDC, 200_000 * USDC)  # ~100 USDC per share is below
    nav_per_share = token.nav_per_share()
    factor, is_reverse = split_status_of(token)
    assert (factor, is_reverse) == (100, True)  # 10x (~1,000 USDC) would still be below
    balance = token.balanceOf(depositor)

    tx = token.reverse_split(factor, sender=keeper)

    assert token.balanceOf(depositor) == balance // 100
    event = only_split_event(token, tx)
    assert (event.factor, event.is_reverse, event.nav_per_share_before) == (100, True, nav_per_share)
    assert 2_000 * USDC <= token.nav_per_share() <= 200_000 * USDC
    assert 100 * nav_per_share <= token.nav_per_share() <= 100 * (nav_per_share + 1)
    assert tuple(split_status_of(token)) == (0, False)


@pytest.mark.parametrize(
    ("method", "factor"),
    [
        ("reverse_split", 10),  # ~1,000 USDC per share: still below
        ("reverse_split", 10_000),  # ~1,000,000 USDC per share: above the upper bound of 200,000
        ("split", 10),  # the wrong direction
    ],
)
def test_reverse_split__from_keeper_below_band_landing_outside__reverts_not_needed(
    seeded, admin, keeper, method, factor, configure
):
    token = seeded
    configure(token, "set_split_band", 2_000 * USDC, 200_000 * USDC)

    with ape.reverts(NOT_NEEDED):
        getattr(token, method)(factor, sender=keeper)

    assert token.base_per_share() == INITIAL_BASE_PER_SHARE


def test_split_status__before_first_deposit__none_due(no_fee_token, admin, configure):
    token = no_fee_token
    configure(token, "set_split_band", USDC // 20, 20 * USDC)  # the initial 100 USDC is above
    assert tuple(split_status_of(token)) == (0, False)


# ---------------------------------------------------------------- ERC-4626 in the new units


def test_split__erc4626_views_reflect_new_units(seeded, holders, admin, depositor):
    token = seeded
    to_shares = token.convertToShares(1_000 * USDC)
    to_assets = token.convertToAssets(WAD)
    deposit_preview = token.previewDeposit(1_000 * USDC)
    redeem_preview = token.previewRedeem(WAD)
    max_redeem = token.maxRedeem(depositor)
    nav_per_share = token.nav_per_share()

    token.split(10, sender=admin)

    assert 10 * to_shares <= token.convertToShares(1_000 * USDC) <= 10 * to_shares + 9
    assert token.convertToAssets(WAD) == nav_per_share // 10 == to_assets // 10
    assert to_assets - 9 <= token.convertToAssets(10 * WAD) <= to_assets
    assert 10 * deposit_preview <= token.previewDeposit(1_000 * USDC) <= 10 * deposit_preview + 9
    assert token.previewRedeem(10 * WAD) == redeem_preview  # the same slice of the fund
    assert token.maxRedeem(depositor) == 10 * max_redeem == token.balanceOf(depositor)


def test_split__deposit_then_redeem_round_trips_for_less_than_paid(seeded, admin, outsider, fund, usdc):
    token = seeded
    token.split(10, sender=admin)
    fund(outsider, token, 1_000 * USDC)
    preview = token.previewDeposit(1_000 * USDC)

    shares = token.deposit(1_000 * USDC, outsider, sender=outsider).return_value

    assert shares == preview == token.balanceOf(outsider)
    payout_preview = token.previewRedeem(shares)
    paid = token.redeem(shares, outsider, outsider, sender=outsider).return_value
    assert paid == payout_preview == usdc.balanceOf(outsider)
    assert 0 < paid < 1_000 * USDC
    assert token.balanceOf(outsider) == 0


def test_deposit__min_shares_from_before_split__satisfied_trivially(seeded, admin, outsider, fund):
    """A 10x split mined before the deposit only helps: min_shares (old units) is a tenth of the
    new share count. The bound still holds the deposit to at least a tenth of its value."""
    token = seeded
    fund(outsider, token, 1_000 * USDC)
    min_shares = token.previewDeposit(1_000 * USDC)

    token.split(10, sender=admin)
    shares = token.deposit(1_000 * USDC, outsider, min_shares, MAX_UINT256, sender=outsider).return_value

    assert 10 * min_shares <= shares <= 10 * min_shares + 9


def test_deposit__min_shares_from_before_reverse_split__reverts_slippage(seeded, admin, outsider, fund):
    token = seeded
    fund(outsider, token, 1_000 * USDC)
    min_shares = token.previewDeposit(1_000 * USDC)

    token.reverse_split(10, sender=admin)

    with ape.reverts("lt: slippage"):
        token.deposit(1_000 * USDC, outsider, min_shares, MAX_UINT256, sender=outsider)
    # without the stale bound the deposit goes through, for a tenth as many shares
    shares = token.deposit(1_000 * USDC, outsider, min_shares // 10, MAX_UINT256, sender=outsider).return_value
    assert min_shares // 10 <= shares < min_shares


def test_redeem__min_assets_from_before_split__reverts_slippage(seeded, admin, depositor):
    """After a 10x split the same share count is a tenth of the slice: min_assets refuses it."""
    token = seeded
    min_assets = token.previewRedeem(10 * WAD)

    token.split(10, sender=admin)

    with ape.reverts("lt: slippage"):
        token.redeem(10 * WAD, depositor, depositor, min_assets, MAX_UINT256, sender=depositor)
    assert token.previewRedeem(10 * WAD) < min_assets // 9
    assert token.previewRedeem(100 * WAD) == min_assets


def test_redeem__min_assets_from_before_reverse_split__pays_more(seeded, admin, depositor, usdc):
    """After a 10x reverse split the same share count is ten times the slice: min_assets holds."""
    token = seeded
    min_assets = token.previewRedeem(WAD)
    before = usdc.balanceOf(depositor)

    token.reverse_split(10, sender=admin)
    paid = token.redeem(WAD, depositor, depositor, min_assets, MAX_UINT256, sender=depositor).return_value

    assert paid >= 9 * min_assets
    assert usdc.balanceOf(depositor) == before + paid


# ---------------------------------------------------------------- gas: O(1)


def test_split__gas_is_constant_in_the_number_of_holders(seeded, actors, admin, depositor, isolated):
    token = seeded

    def measure():
        with isolated():
            split_gas = token.split(10, sender=admin).gas_used
            reverse_gas = token.reverse_split(10, sender=admin).gas_used
        return split_gas, reverse_gas

    # 2 holders (plus the token's dead shares)
    assert token.balanceOf(depositor) > 0 and token.balanceOf(actors["other_depositor"]) > 0
    few = measure()
    for name, amount in GIFTS.items():
        token.transfer(actors[name], amount, sender=depositor)
    many = measure()  # 8 holders

    print(f"split gas: {few[0]} (2 holders) / {many[0]} (8 holders); reverse_split: {few[1]} / {many[1]}")
    assert abs(few[0] - many[0]) <= 300
    assert abs(few[1] - many[1]) <= 300
    assert max(many) < 100_000  # no per-holder loop could fit


# ---------------------------------------------------------------- permit (EIP-2612)


def sign_permit(token, chain, signer, owner, spender, value, nonce, deadline):
    """(v, r, s) of `signer` (an eth_account LocalAccount) over Permit(owner, spender, value, nonce, deadline)."""
    return permit.sign_permit(
        signer,
        permit.permit_typed_data(
            token.name(),
            chain.chain_id,
            token.address,
            owner,
            spender,
            value,
            nonce,
            deadline,
            base_per_share=token.base_per_share(),
        ),
    )


@pytest.fixture
def signer(seeded, depositor):
    """A local key that holds shares (by transfer) and never sends a transaction itself."""
    account = Account.from_key(keccak(text="lt splits permit signer"))
    seeded.transfer(account.address, 5 * WAD + 1, sender=depositor)
    return account


def test_permit__valid_signature__sets_allowance_and_increments_nonce(seeded, signer, other_depositor, outsider, chain):
    token = seeded
    expected_domain = keccak(
        keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)")
        + keccak(text=token.name())
        + keccak(text="1")
        + chain.chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(token.address[2:])
        + token.base_per_share().to_bytes(32, "big")  # the share unit the permit is counted in
    )
    assert bytes(token.DOMAIN_SEPARATOR()) == expected_domain
    nonce = token.nonces(signer.address)
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(token, chain, signer, signer.address, other_depositor.address, 3 * WAD + 7, nonce, deadline)

    tx = token.permit(signer.address, other_depositor, 3 * WAD + 7, deadline, v, r, s, sender=outsider)

    assert token.allowance(signer.address, other_depositor) == 3 * WAD + 7
    assert token.nonces(signer.address) == nonce + 1
    assert [(log.owner, log.spender, log.value) for log in tx.events.filter(token.Approval)] == [
        (signer.address, other_depositor.address, 3 * WAD + 7)
    ]
    token.transferFrom(signer.address, outsider, 3 * WAD + 7, sender=other_depositor)
    assert token.balanceOf(signer.address) == 2 * WAD - 6


def test_permit__replayed__reverts_signature(seeded, signer, other_depositor, outsider, chain):
    token = seeded
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(token, chain, signer, signer.address, other_depositor.address, WAD, 0, deadline)
    token.permit(signer.address, other_depositor, WAD, deadline, v, r, s, sender=outsider)

    with ape.reverts("lt: signature"):
        token.permit(signer.address, other_depositor, WAD, deadline, v, r, s, sender=outsider)

    assert token.nonces(signer.address) == 1
    assert token.allowance(signer.address, other_depositor) == WAD


def test_permit__past_deadline__reverts_expired(seeded, signer, other_depositor, outsider, chain):
    token = seeded
    deadline = chain.blocks.head.timestamp - 1
    v, r, s = sign_permit(token, chain, signer, signer.address, other_depositor.address, WAD, 0, deadline)

    with ape.reverts("lt: expired"):
        token.permit(signer.address, other_depositor, WAD, deadline, v, r, s, sender=outsider)

    assert token.nonces(signer.address) == 0
    assert token.allowance(signer.address, other_depositor) == 0


def test_permit__signed_by_another_key__reverts_signature(seeded, signer, other_depositor, outsider, chain):
    token = seeded
    impostor = Account.from_key(keccak(text="lt splits impostor"))
    deadline = chain.pending_timestamp + 3_600
    v, r, s = sign_permit(token, chain, impostor, signer.address, other_depositor.address, WAD, 0, deadline)

    with ape.reverts("lt: signature"):
        token.permit(signer.address, other_depositor, WAD, deadline, v, r, s, sender=outsider)

    assert token.nonces(signer.address) == 0
    assert token.allowance(signer.address, other_depositor) == 0


@pytest.mark.parametrize("reverse", [True, False])
def test_permit__signed_before_a_split__reverts_signature_and_a_new_one_in_new_units_works(
    seeded, signer, admin, other_depositor, outsider, chain, reverse
):
    """Issue 14 L5: a permit for 10 shares signed before reverse_split(10) let the spender take
    10 shares worth 10x what was signed (and after split(10), a tenth). The EIP-712 domain's
    salt is the share unit (base_per_share), so a split or reverse split invalidates every
    outstanding signature, a max_value one too; the owner signs again in the new unit."""
    token = seeded
    deadline = chain.pending_timestamp + 3_600
    signed_n = sign_permit(token, chain, signer, signer.address, other_depositor.address, 10 * WAD, 0, deadline)
    signed_max = sign_permit(token, chain, signer, signer.address, outsider.address, MAX_UINT256, 0, deadline)
    domain = token.DOMAIN_SEPARATOR()

    (token.reverse_split if reverse else token.split)(10, sender=admin)

    assert token.DOMAIN_SEPARATOR() != domain
    for spender, amount, signed in ((other_depositor, 10 * WAD, signed_n), (outsider, MAX_UINT256, signed_max)):
        with ape.reverts("lt: signature"):
            token.permit(signer.address, spender, amount, deadline, *signed, sender=outsider)
    assert token.nonces(signer.address) == 0
    assert token.allowance(signer.address, other_depositor) == 0
    resigned = sign_permit(token, chain, signer, signer.address, other_depositor.address, WAD, 0, deadline)
    token.permit(signer.address, other_depositor, WAD, deadline, *resigned, sender=outsider)
    assert token.allowance(signer.address, other_depositor) == WAD
