"""LeveragedTokenConfigurator: every parameter setter of every token, its hard bounds, its event,
who may call it, and the timelock (queue, execute after the delay, guardian cancel) of PROTOCOL.md
section 6.1. The token's side is one `configure()` that only the configurator may call.

SETTERS is the table of grouped setters; the ABI-driven tests fail as soon as the configurator
grows a setter the table does not describe.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import ape
import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from helpers import PARAMETER_FIELDS

from ltsdk import math
from ltsdk.units import DAY, MAX_UINT256, USDC, WAD

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MISSING_ROLE = "access_control: account is missing role"
BOUNDS = "configurator: bounds"

# bounds, as the configurator's constants (checked against the contract below)
MAX_MINT_FEE_BPS = 100
MAX_REDEEM_FEE_BPS = 100
MAX_MANAGEMENT_FEE_BPS = 2_000
MAX_SLIPPAGE_BPS = 500
MIN_PRICE_AGE = 60
MAX_PRICE_AGE = 86_400
MIN_BAND_BPS = 100
MAX_BAND_BPS = 5_000
MIN_REBALANCE_INTERVAL = 3_600
MAX_REBALANCE_INTERVAL = 7 * 86_400
MAX_MIN_DRIFT_BPS = 2_000
MIN_TRADE_NOTIONAL = USDC  # the token's MIN_INITIAL_ASSETS: one whole collateral unit
MAX_TRADE_NOTIONAL = 10**30
MAX_TWAP_COOLDOWN = 3_600
MIN_KEEPER_GRACE = 60
MAX_KEEPER_GRACE = 86_400
MAX_RIPCORD_REWARD = 1_000 * USDC
MAX_RIPCORD_REWARD_CHUNK_BPS = 10  # the reward at most 10 bps of the ripcord's chunk
MAX_RIPCORD_TARGET_BPS = 20_000  # the ripcord level at most 2x the target
MIN_DELAY = 3 * DAY
MAX_DELAY = 30 * DAY
VENUE_MAX_LEVERAGE = 20 * WAD  # MockPerpAdapter's default

# kinds of change, as the configurator numbers them
KIND = {
    "set_fees": 1,
    "set_limits": 2,
    "set_split_band": 3,
    "set_leverage_band": 4,
    "set_execution": 5,
    "set_incentives": 6,
    "set_fee_recipient": 7,
    "set_delay": 8,
}


# ---------------------------------------------------------------- the table of setters


@dataclass(frozen=True)
class Setter:
    """A grouped setter: its arguments set the getters named in `fields`, in order, and it emits
    one `event` whose fields carry the same names.

    in_bounds / out_of_bounds: (label, args); each case moves one bound or one relation."""

    fields: tuple[str, ...]
    event: str
    in_bounds: list[tuple[str, tuple]]
    out_of_bounds: list[tuple[str, tuple]]


def _with(base: tuple, **changes) -> tuple:
    """`base` with the named positions (a0, a1, ...) replaced."""
    values = list(base)
    for key, value in changes.items():
        values[int(key[1:])] = value
    return tuple(values)


FEES = (10, 10, 365)
LIMITS = (10**12 * USDC, 50, 3_600)
SPLIT_BAND = (USDC, 10_000 * USDC)
LEVERAGE_BAND = (2_000, 45 * WAD // 10)  # for BTC3L: target 3x
EXECUTION = (86_400, 120, 50, 1_000_000 * USDC, 60)
INCENTIVES = (2_000_000 * USDC, 10 * USDC, 3_600)


def _upper_band(target_leverage: int, band_bps: int) -> int:
    return target_leverage * (10_000 + band_bps) // 10_000


SETTERS: dict[str, Setter] = {
    "set_fees": Setter(
        ("mint_fee_bps", "redeem_fee_bps", "management_fee_bps"),
        "FeesSet",
        [
            ("all zero", (0, 0, 0)),
            ("all at max", (MAX_MINT_FEE_BPS, MAX_REDEEM_FEE_BPS, MAX_MANAGEMENT_FEE_BPS)),
            ("mint max", _with(FEES, a0=MAX_MINT_FEE_BPS)),
            ("redeem max", _with(FEES, a1=MAX_REDEEM_FEE_BPS)),
            ("management max", _with(FEES, a2=MAX_MANAGEMENT_FEE_BPS)),
        ],
        [
            ("mint max+1", _with(FEES, a0=MAX_MINT_FEE_BPS + 1)),
            ("redeem max+1", _with(FEES, a1=MAX_REDEEM_FEE_BPS + 1)),
            ("management max+1", _with(FEES, a2=MAX_MANAGEMENT_FEE_BPS + 1)),
            ("mint uint max", _with(FEES, a0=MAX_UINT256)),
            ("redeem uint max", _with(FEES, a1=MAX_UINT256)),
            ("management uint max", _with(FEES, a2=MAX_UINT256)),
        ],
    ),
    "set_limits": Setter(
        ("max_total_assets", "max_slippage_bps", "max_price_age"),
        "LimitsSet",
        [
            # any cap is valid: 0 closes the token to new money
            ("cap zero", _with(LIMITS, a0=0)),
            ("cap uint max", _with(LIMITS, a0=MAX_UINT256)),
            ("slippage min", _with(LIMITS, a1=1)),
            ("slippage max", _with(LIMITS, a1=MAX_SLIPPAGE_BPS)),
            ("price age min", _with(LIMITS, a2=MIN_PRICE_AGE)),
            ("price age max", _with(LIMITS, a2=MAX_PRICE_AGE)),
        ],
        [
            ("slippage zero", _with(LIMITS, a1=0)),
            ("slippage max+1", _with(LIMITS, a1=MAX_SLIPPAGE_BPS + 1)),
            ("slippage uint max", _with(LIMITS, a1=MAX_UINT256)),
            ("price age zero", _with(LIMITS, a2=0)),
            ("price age min-1", _with(LIMITS, a2=MIN_PRICE_AGE - 1)),
            ("price age max+1", _with(LIMITS, a2=MAX_PRICE_AGE + 1)),
            ("price age uint max", _with(LIMITS, a2=MAX_UINT256)),
        ],
    ),
    "set_split_band": Setter(
        ("split_lower_nav", "split_upper_nav"),
        "SplitBandSet",
        [
            ("smallest band", (1, 100)),
            ("upper exactly 100x lower", (USDC, 100 * USDC)),
            ("upper uint max", (USDC, MAX_UINT256)),
        ],
        [
            ("lower zero", (0, 10_000 * USDC)),
            ("both zero", (0, 0)),
            ("upper just under 100x lower", (USDC, 100 * USDC - 1)),
            ("upper below lower", (10 * USDC, USDC)),
        ],
    ),
    "set_leverage_band": Setter(
        ("band_bps", "ripcord_leverage"),
        "LeverageBandSet",
        [
            ("band min", _with(LEVERAGE_BAND, a0=MIN_BAND_BPS)),
            ("band max", (MAX_BAND_BPS, _upper_band(3 * WAD, MAX_BAND_BPS) + 1)),
            ("ripcord just above upper band", (2_000, _upper_band(3 * WAD, 2_000) + 1)),
            ("ripcord at twice the target", _with(LEVERAGE_BAND, a1=6 * WAD)),
        ],
        [
            ("band min-1", _with(LEVERAGE_BAND, a0=MIN_BAND_BPS - 1)),
            ("band zero", _with(LEVERAGE_BAND, a0=0)),
            ("band max+1", (MAX_BAND_BPS + 1, 5 * WAD)),
            ("ripcord at upper band", (2_000, _upper_band(3 * WAD, 2_000))),
            ("ripcord below upper band", (2_000, 3 * WAD)),
            ("ripcord zero", _with(LEVERAGE_BAND, a1=0)),
            ("ripcord just above twice the target", _with(LEVERAGE_BAND, a1=6 * WAD + 1)),
            ("ripcord 19x on a 3x token", _with(LEVERAGE_BAND, a1=19 * WAD)),
            ("ripcord at venue max", _with(LEVERAGE_BAND, a1=VENUE_MAX_LEVERAGE)),
            ("ripcord venue max+1", _with(LEVERAGE_BAND, a1=VENUE_MAX_LEVERAGE + 1)),
            ("ripcord uint max", _with(LEVERAGE_BAND, a1=MAX_UINT256)),
        ],
    ),
    "set_execution": Setter(
        ("rebalance_interval", "rebalance_offset", "min_drift_bps", "max_trade_notional", "twap_cooldown"),
        "ExecutionSet",
        [
            ("interval min", _with(EXECUTION, a0=MIN_REBALANCE_INTERVAL)),
            ("interval max", _with(EXECUTION, a0=MAX_REBALANCE_INTERVAL)),
            ("offset zero", _with(EXECUTION, a1=0)),
            ("offset interval-1", _with(EXECUTION, a1=86_399)),
            ("drift zero", _with(EXECUTION, a2=0)),
            ("drift max", _with(EXECUTION, a2=MAX_MIN_DRIFT_BPS)),
            ("notional min", _with(EXECUTION, a3=MIN_TRADE_NOTIONAL)),
            ("notional max", _with(EXECUTION, a3=MAX_TRADE_NOTIONAL)),
            ("cooldown zero", _with(EXECUTION, a4=0)),
            ("cooldown max", _with(EXECUTION, a4=MAX_TWAP_COOLDOWN)),
        ],
        [
            ("interval zero", _with(EXECUTION, a0=0, a1=0)),
            ("interval min-1", _with(EXECUTION, a0=MIN_REBALANCE_INTERVAL - 1)),
            ("interval max+1", _with(EXECUTION, a0=MAX_REBALANCE_INTERVAL + 1)),
            ("interval uint max", _with(EXECUTION, a0=MAX_UINT256)),
            ("offset equal to interval", _with(EXECUTION, a1=86_400)),
            ("offset above interval", _with(EXECUTION, a0=MIN_REBALANCE_INTERVAL, a1=MIN_REBALANCE_INTERVAL + 1)),
            ("offset uint max", _with(EXECUTION, a1=MAX_UINT256)),
            ("drift max+1", _with(EXECUTION, a2=MAX_MIN_DRIFT_BPS + 1)),
            ("drift uint max", _with(EXECUTION, a2=MAX_UINT256)),
            ("notional zero", _with(EXECUTION, a3=0)),
            ("notional min-1", _with(EXECUTION, a3=MIN_TRADE_NOTIONAL - 1)),
            ("notional max+1", _with(EXECUTION, a3=MAX_TRADE_NOTIONAL + 1)),
            ("notional uint max", _with(EXECUTION, a3=MAX_UINT256)),
            ("cooldown max+1", _with(EXECUTION, a4=MAX_TWAP_COOLDOWN + 1)),
            ("cooldown uint max", _with(EXECUTION, a4=MAX_UINT256)),
        ],
    ),
    "set_incentives": Setter(
        ("ripcord_trade_notional", "ripcord_reward", "keeper_grace"),
        "IncentivesSet",
        [
            ("notional min, no reward", _with(INCENTIVES, a0=MIN_TRADE_NOTIONAL, a1=0)),
            ("notional max", _with(INCENTIVES, a0=MAX_TRADE_NOTIONAL)),
            ("reward zero", _with(INCENTIVES, a1=0)),
            ("reward max", _with(INCENTIVES, a1=MAX_RIPCORD_REWARD)),
            ("reward at 10 bps of the chunk", _with(INCENTIVES, a0=100_000 * USDC, a1=100 * USDC)),
            (
                "reward max at the smallest chunk allowing it",
                _with(INCENTIVES, a0=1_000_000 * USDC, a1=MAX_RIPCORD_REWARD),
            ),
            ("grace min", _with(INCENTIVES, a2=MIN_KEEPER_GRACE)),
            ("grace max", _with(INCENTIVES, a2=MAX_KEEPER_GRACE)),
        ],
        [
            ("notional zero", _with(INCENTIVES, a0=0)),
            ("notional min-1", _with(INCENTIVES, a0=MIN_TRADE_NOTIONAL - 1)),
            ("notional max+1", _with(INCENTIVES, a0=MAX_TRADE_NOTIONAL + 1)),
            ("notional uint max", _with(INCENTIVES, a0=MAX_UINT256)),
            ("reward max+1", _with(INCENTIVES, a1=MAX_RIPCORD_REWARD + 1)),
            # review finding L1: chunk 2,000 and reward 1,000 made every ripcord raise leverage
            ("reward half the chunk", _with(INCENTIVES, a0=2_000 * USDC, a1=1_000 * USDC)),
            ("reward just above 10 bps of the chunk", _with(INCENTIVES, a0=100_000 * USDC, a1=100 * USDC + 1)),
            ("reward above the smallest chunk", _with(INCENTIVES, a0=MIN_TRADE_NOTIONAL, a1=10 * USDC)),
            ("reward uint max", _with(INCENTIVES, a1=MAX_UINT256)),
            ("grace zero", _with(INCENTIVES, a2=0)),
            ("grace min-1", _with(INCENTIVES, a2=MIN_KEEPER_GRACE - 1)),
            ("grace max+1", _with(INCENTIVES, a2=MAX_KEEPER_GRACE + 1)),
            ("grace uint max", _with(INCENTIVES, a2=MAX_UINT256)),
        ],
    ),
}

# out of bounds too, but the arithmetic that computes the bound overflows before the check
OVERFLOWING = [
    ("set_split_band", "lower uint max", (MAX_UINT256, MAX_UINT256)),
    ("set_split_band", "lower times 100 overflows", (MAX_UINT256 // 100 + 1, MAX_UINT256)),
    ("set_leverage_band", "band uint max", _with(LEVERAGE_BAND, a0=MAX_UINT256)),
]

IN_BOUNDS = [(name, label, args) for name, setter in SETTERS.items() for label, args in setter.in_bounds]
OUT_OF_BOUNDS = [(name, label, args) for name, setter in SETTERS.items() for label, args in setter.out_of_bounds]


def _fields(token, setter: Setter) -> tuple:
    return tuple(getattr(token, field)() for field in setter.fields)


def _values(*args) -> list[int]:
    """A change's values as the configurator keys them: the arguments padded to five words."""
    words = [int(a, 16) if isinstance(a, str) else int(a) for a in args]
    return words + [0] * (5 - len(words))


def _change_id(token, setter: str, *args) -> bytes:
    return keccak(abi_encode(["address", "uint8", "uint256[5]"], [token.address, KIND[setter], _values(*args)]))


@pytest.fixture
def deposited(token, depositor, fund, set_price):
    """BTC3L with holders: 10,000 USDC from the depositor at 60,000. Holder-affecting changes queue."""
    set_price(60_000)
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    return token


@pytest.fixture
def actors(admin, keeper, guardian, outsider):
    """The actors by role, looked up by name in parametrized tests."""
    return SimpleNamespace(admin=admin, keeper=keeper, guardian=guardian, outsider=outsider)


def _queue(configurator, token, setter, *args, sender):
    tx = getattr(configurator, setter)(token, *args, sender=sender)
    (queued,) = tx.events.filter(configurator.ChangeQueued)
    return tx, queued


# ---------------------------------------------------------------- the table matches the contract


def test_constants__bounds_and_kinds__match_the_contract(configurator):
    names = {
        "MAX_MINT_FEE_BPS": MAX_MINT_FEE_BPS,
        "MAX_REDEEM_FEE_BPS": MAX_REDEEM_FEE_BPS,
        "MAX_MANAGEMENT_FEE_BPS": MAX_MANAGEMENT_FEE_BPS,
        "MAX_SLIPPAGE_BPS": MAX_SLIPPAGE_BPS,
        "MIN_PRICE_AGE": MIN_PRICE_AGE,
        "MAX_PRICE_AGE": MAX_PRICE_AGE,
        "MIN_BAND_BPS": MIN_BAND_BPS,
        "MAX_BAND_BPS": MAX_BAND_BPS,
        "MIN_REBALANCE_INTERVAL": MIN_REBALANCE_INTERVAL,
        "MAX_REBALANCE_INTERVAL": MAX_REBALANCE_INTERVAL,
        "MAX_MIN_DRIFT_BPS": MAX_MIN_DRIFT_BPS,
        "MAX_TRADE_NOTIONAL": MAX_TRADE_NOTIONAL,
        "MAX_TWAP_COOLDOWN": MAX_TWAP_COOLDOWN,
        "MIN_KEEPER_GRACE": MIN_KEEPER_GRACE,
        "MAX_KEEPER_GRACE": MAX_KEEPER_GRACE,
        "MAX_RIPCORD_REWARD_UNITS": MAX_RIPCORD_REWARD // USDC,
        "MAX_RIPCORD_REWARD_CHUNK_BPS": MAX_RIPCORD_REWARD_CHUNK_BPS,
        "MAX_RIPCORD_TARGET_BPS": MAX_RIPCORD_TARGET_BPS,
        "MIN_DELAY": MIN_DELAY,
        "MAX_DELAY": MAX_DELAY,
    }
    assert {name: getattr(configurator, name)() for name in names} == names
    kinds = {"KIND_" + name.removeprefix("set_").upper(): kind for name, kind in KIND.items()}
    assert {name: getattr(configurator, name)() for name in kinds} == kinds


def test_abi__every_setter__is_in_the_table(project):
    in_abi = {abi.name for abi in project.LeveragedTokenConfigurator.contract_type.mutable_methods}
    assert in_abi - {"execute", "cancel", "set_parameters"} == SETTERS.keys() | {"set_fee_recipient", "set_delay"}
    assert KIND.keys() == SETTERS.keys() | {"set_fee_recipient", "set_delay"}


def test_abi__token__has_configure_and_no_setter(project):
    token_abi = project.LeveragedToken.contract_type
    names = {abi.name for abi in token_abi.mutable_methods}
    assert "configure" in names
    assert not {name for name in names if name.startswith("set_")}
    events = {abi.name for abi in token_abi.events}
    assert not events & ({setter.event for setter in SETTERS.values()} | {"FeeRecipientSet"})


def test_abi__configure__takes_every_changeable_parameter_but_the_target(project):
    """configure(Parameters): the fields are the token's getters, the target leverage is not one."""
    (method,) = [abi for abi in project.LeveragedToken.contract_type.mutable_methods if abi.name == "configure"]
    (struct,) = method.inputs
    fields = [component.name for component in struct.components]
    table_fields = {field for setter in SETTERS.values() for field in setter.fields} | {"fee_recipient"}
    assert set(fields) == table_fields
    assert "target_leverage" not in fields
    view_names = {abi.name for abi in project.LeveragedToken.contract_type.view_methods}
    assert set(fields) <= view_names


@pytest.mark.parametrize("name", sorted(SETTERS))
def test_setter__abi__arguments_and_event_fields_match_the_table(project, name):
    """A setter takes the token and the table's fields; its event carries the token and the same names."""
    contract_type = project.LeveragedTokenConfigurator.contract_type
    setter = SETTERS[name]
    (method,) = [abi for abi in contract_type.mutable_methods if abi.name == name]
    (event,) = [abi for abi in contract_type.events if abi.name == setter.event]
    assert [i.name for i in method.inputs] == ["token", *setter.fields]
    assert tuple(field.name for field in event.inputs) == ("token", *setter.fields)


# ---------------------------------------------------------------- bounds (a token without holders: at once)


@pytest.mark.parametrize(("name", "label", "args"), IN_BOUNDS, ids=[f"{n}-{label}" for n, label, _ in IN_BOUNDS])
def test_setter__in_bounds__sets_every_field_and_emits_one_typed_event(token, configurator, admin, name, label, args):
    setter = SETTERS[name]

    tx = getattr(configurator, name)(token, *args, sender=admin)

    assert _fields(token, setter) == args
    event_type = getattr(configurator, setter.event)
    assert tx.events.filter(event_type) == [
        event_type(token=token.address, **dict(zip(setter.fields, args, strict=True)))
    ]
    setter_events = {s.event for s in SETTERS.values()} | {"FeeRecipientSet", "ChangeQueued"}
    assert [log.event_name for log in tx.events if log.event_name in setter_events] == [setter.event]


@pytest.mark.parametrize(
    ("name", "label", "args"), OUT_OF_BOUNDS, ids=[f"{n}-{label}" for n, label, _ in OUT_OF_BOUNDS]
)
def test_setter__out_of_bounds__reverts_bounds_and_changes_nothing(token, configurator, admin, name, label, args):
    setter = SETTERS[name]
    before = _fields(token, setter)

    with ape.reverts(BOUNDS):
        getattr(configurator, name)(token, *args, sender=admin)

    assert _fields(token, setter) == before


@pytest.mark.parametrize(("name", "label", "args"), OVERFLOWING, ids=[f"{n}-{label}" for n, label, _ in OVERFLOWING])
def test_setter__out_of_bounds_overflowing_value__reverts_bounds(token, configurator, admin, name, label, args):
    """Every out-of-bounds value reverts "configurator: bounds", a reason the SDK maps; an
    arithmetic overflow while computing the bound is not one of the documented reverts."""
    setter = SETTERS[name]
    before = _fields(token, setter)

    with ape.reverts(BOUNDS):
        getattr(configurator, name)(token, *args, sender=admin)

    assert _fields(token, setter) == before


def test_set_leverage_band__wide_band_of_9x__ripcord_must_clear_the_upper_band(create_token, configurator, admin):
    """A 9x token with the widest band (50 %) reaches 13.5x: a ripcord at 13x is inside it, one at
    18x (twice the target) is above it; the venue's 20x is more than the name allows."""
    token = create_token(leverage=9)

    with ape.reverts(BOUNDS):
        configurator.set_leverage_band(token, MAX_BAND_BPS, 13 * WAD, sender=admin)
    with ape.reverts(BOUNDS):
        configurator.set_leverage_band(token, MAX_BAND_BPS, VENUE_MAX_LEVERAGE, sender=admin)
    configurator.set_leverage_band(token, MAX_BAND_BPS, 18 * WAD, sender=admin)

    assert (token.band_bps(), token.ripcord_leverage()) == (MAX_BAND_BPS, 18 * WAD)


@pytest.mark.parametrize("leverage", [2, 3, 5, 9])
def test_set_leverage_band__ripcord_above_twice_the_target__reverts_bounds(create_token, configurator, admin, leverage):
    """Review finding I3: "BTC 3x Long" accepted a 19x ripcord level, so the fund could sit far
    past what its name promises before anyone may de-lever it. The level is at most 2 T (and the
    venue's max leverage)."""
    token = create_token(leverage=leverage)
    target = token.target_leverage()
    ripcord = token.ripcord_leverage()

    for level in (2 * target + 1, min(19 * WAD, VENUE_MAX_LEVERAGE)):
        if level > 2 * target:
            with ape.reverts(BOUNDS):
                configurator.set_leverage_band(token, MAX_BAND_BPS, level, sender=admin)
    assert token.ripcord_leverage() == ripcord
    if 2 * target <= VENUE_MAX_LEVERAGE:
        configurator.set_leverage_band(token, MAX_BAND_BPS, 2 * target, sender=admin)
        assert token.ripcord_leverage() == 2 * target


@pytest.mark.parametrize("role_name", ["keeper", "guardian", "outsider"])
@pytest.mark.parametrize("name", sorted(SETTERS))
def test_setter__in_bounds_from_non_admin__reverts_missing_role(token, configurator, actors, name, role_name):
    setter = SETTERS[name]
    args = setter.in_bounds[0][1]
    before = _fields(token, setter)

    with ape.reverts(MISSING_ROLE):
        getattr(configurator, name)(token, *args, sender=getattr(actors, role_name))

    assert _fields(token, setter) == before


@pytest.mark.parametrize("name", sorted(SETTERS))
def test_setter__out_of_bounds_from_outsider__reverts_missing_role_first(token, configurator, outsider, name):
    """The role is checked before the bounds: an outsider learns nothing about the bounds."""
    setter = SETTERS[name]
    before = _fields(token, setter)

    with ape.reverts(MISSING_ROLE):
        getattr(configurator, name)(token, *setter.out_of_bounds[0][1], sender=outsider)

    assert _fields(token, setter) == before


def test_setter__admin_of_another_token_only__reverts_missing_role(token, create_token, configurator, admin, outsider):
    """The role is checked on the token being changed, not on any token."""
    other = create_token(is_long=False)
    other.grantRole(b"\x00" * 32, outsider, sender=admin)

    with ape.reverts(MISSING_ROLE):
        configurator.set_fees(token, 20, 20, 100, sender=outsider)
    configurator.set_fees(other, 20, 20, 100, sender=outsider)

    assert (token.mint_fee_bps(), other.mint_fee_bps()) == (10, 20)


def test_defaults__match_the_documentation(token):
    """default_parameters' docstring: band 20 %, ripcord at 1.5 T, fees 10/10 bps and 365
    bps/year, daily slot at 00:02 UTC."""
    assert _fields(token, SETTERS["set_fees"]) == (10, 10, 365)
    assert token.band_bps() == 2_000
    assert token.ripcord_leverage() == token.target_leverage() * 3 // 2
    assert (token.rebalance_interval(), token.rebalance_offset()) == (86_400, 120)


@pytest.mark.parametrize("name", sorted(SETTERS))
def test_defaults__are_within_bounds(token, configurator, admin, name):
    """Setting every default again is accepted: the defaults satisfy the same bounds."""
    setter = SETTERS[name]
    defaults = _fields(token, setter)

    getattr(configurator, name)(token, *defaults, sender=admin)

    assert _fields(token, setter) == defaults


def test_set_leverage_band__sets_the_band_view_and_keeps_the_target(token, configurator, admin):
    configurator.set_leverage_band(token, 1_000, 4 * WAD, sender=admin)

    assert (token.target_leverage(), token.band_bps()) == (3 * WAD, 1_000)
    lower, upper = math.band(token.target_leverage(), token.band_bps())
    assert upper == _upper_band(3 * WAD, 1_000)
    assert lower == -(-3 * WAD * 10_000 // 11_000)  # rounded up


def test_set_leverage_band__ripcord_limit__follows_the_venue_max_leverage(token, configurator, admin, btc_venue):
    """Below twice the target, the venue's max leverage is the limit."""
    btc_venue.set_max_leverage(5 * WAD, sender=admin)

    with ape.reverts(BOUNDS):
        configurator.set_leverage_band(token, 2_000, 5 * WAD + 1, sender=admin)
    configurator.set_leverage_band(token, 2_000, 5 * WAD, sender=admin)

    assert token.ripcord_leverage() == 5 * WAD


def test_set_incentives__reward_against_the_chunk__bounded_jointly(token, configurator, admin):
    """Review finding L1: each bound alone (chunk >= 1 USDC, reward <= 1,000 USDC) let a ripcord
    pay 1,000 USDC for de-levering 2,000 USDC of notional, which raised leverage at every call.
    The reward may be at most MAX_RIPCORD_REWARD_CHUNK_BPS of the chunk."""
    chunk = 2_000 * USDC
    limit = chunk * MAX_RIPCORD_REWARD_CHUNK_BPS // 10_000  # 2 USDC
    before = _fields(token, SETTERS["set_incentives"])

    with ape.reverts(BOUNDS):
        configurator.set_incentives(token, chunk, 1_000 * USDC, 3_600, sender=admin)
    with ape.reverts(BOUNDS):
        configurator.set_incentives(token, chunk, limit + 1, 3_600, sender=admin)
    assert _fields(token, SETTERS["set_incentives"]) == before

    configurator.set_incentives(token, chunk, limit, 3_600, sender=admin)
    assert (token.ripcord_trade_notional(), token.ripcord_reward()) == (chunk, limit)


def test_set_incentives__joint_bound__keeps_the_ripcord_de_levering(
    token, configurator, admin, depositor, outsider, fund, set_price
):
    """What the joint bound is for: with the largest reward it allows for a small chunk, every
    ripcord of ten in a row leaves leverage lower (the review's loop raised it at every call)."""
    chunk = 1_000 * USDC
    configurator.set_incentives(token, chunk, chunk * MAX_RIPCORD_REWARD_CHUNK_BPS // 10_000, 3_600, sender=admin)
    configurator.set_leverage_band(token, 1_000, 34 * WAD // 10, sender=admin)  # upper band 3.3x
    set_price(60_000)
    fund(depositor, token, 100_000 * USDC)
    token.deposit(100_000 * USDC, depositor, sender=depositor)
    set_price(54_000)  # 3x long, -10 %: ~3.86x
    leverage = token.current_leverage()

    for _ in range(10):
        assert leverage >= token.ripcord_leverage()
        tx = token.ripcord(sender=outsider)

        (ripcord,) = tx.events.filter(token.Ripcord)
        assert ripcord.reward == chunk * MAX_RIPCORD_REWARD_CHUNK_BPS // 10_000
        assert token.current_leverage() < leverage, "a ripcord raised leverage"
        leverage = token.current_leverage()


def test_set_execution__new_interval__marks_the_current_slot_used(token, configurator, admin):
    tx = configurator.set_execution(token, MIN_REBALANCE_INTERVAL, 600, 50, 1_000_000 * USDC, 60, sender=admin)

    assert token.last_rebalance_slot() == (tx.timestamp - 600) // MIN_REBALANCE_INTERVAL


def test_set_execution__same_interval_and_offset__keeps_the_slot(token, configurator, admin):
    slot = token.last_rebalance_slot()

    configurator.set_execution(token, 86_400, 120, 100, 500_000 * USDC, 30, sender=admin)

    assert token.last_rebalance_slot() == slot
    assert (token.min_drift_bps(), token.twap_cooldown()) == (100, 30)


def test_set_limits__cap_below_nav__acts_at_once_and_blocks_deposits(
    deposited, configurator, admin, other_depositor, fund
):
    token = deposited
    tx = configurator.set_limits(
        token, token.totalAssets(), token.max_slippage_bps(), token.max_price_age(), sender=admin
    )
    fund(other_depositor, token, 1_000 * USDC)

    assert not tx.events.filter(configurator.ChangeQueued)
    assert token.maxDeposit(other_depositor) == 0
    with ape.reverts("lt: cap"):
        token.deposit(1_000 * USDC, other_depositor, sender=other_depositor)


def test_set_limits__uint_max_cap__means_no_cap_and_deposits_succeed(token, configurator, admin, depositor, fund):
    """Any cap is valid; max_value(uint256) is "no cap" (maxDeposit is then bounded only by the
    venue's depth at the fund's price limit), so a deposit must not revert for the cap."""
    configurator.set_limits(token, MAX_UINT256, token.max_slippage_bps(), token.max_price_age(), sender=admin)
    fund(depositor, token, 1_000 * USDC)
    assert 1_000 * USDC < token.maxDeposit(depositor) < MAX_UINT256

    shares = token.deposit(1_000 * USDC, depositor, sender=depositor).return_value

    assert shares > 0
    assert token.balanceOf(depositor) == shares


def test_set_limits__max_price_age__older_oracle_answer_is_not_traded_on(
    token, configurator, admin, depositor, fund, set_price, btc_venue, chain
):
    """The oldest oracle answer the fund trades on. The venue's own limit (3,600 s) is looser
    here, so only the token's limit can stop the trade."""
    fund(depositor, token, 1_000 * USDC)
    set_price(60_000)
    configurator.set_limits(token, token.max_total_assets(), token.max_slippage_bps(), MIN_PRICE_AGE, sender=admin)
    chain.mine(deltatime=10 * MIN_PRICE_AGE)
    assert btc_venue.account_snapshot(token)[3], "the venue still calls the price fresh"

    with ape.reverts("lt: stale price"):
        token.deposit(1_000 * USDC, depositor, sender=depositor)

    assert token.balanceOf(depositor) == 0


def test_set_fees__cut__accrues_management_fee_at_old_rate_first(deposited, configurator, admin, fee_recipient, chain):
    token = deposited
    assert token.balanceOf(fee_recipient) == 0
    supply = token.totalSupply()
    accrued_at = token.last_fee_accrual()
    chain.mine(deltatime=30 * DAY)

    tx = configurator.set_fees(token, 10, 10, 0, sender=admin)

    expected = math.management_fee_shares(supply, 365, tx.timestamp - accrued_at)
    assert expected > 0
    assert token.balanceOf(fee_recipient) == expected
    assert tx.events.filter(token.ManagementFeeMinted) == [
        token.ManagementFeeMinted(fee_recipient=fee_recipient, shares=expected)
    ]
    names = [log.event_name for log in tx.events]
    assert names.index("ManagementFeeMinted") < names.index("FeesSet")
    assert token.last_fee_accrual() == tx.timestamp

    chain.mine(deltatime=30 * DAY)
    tx = configurator.set_fees(token, 10, 10, 0, sender=admin)
    assert not tx.events.filter(token.ManagementFeeMinted)
    assert token.balanceOf(fee_recipient) == expected


def test_set_fee_recipient__zero_address__reverts_zero(token, configurator, admin, fee_recipient):
    with ape.reverts("configurator: zero"):
        configurator.set_fee_recipient(token, ZERO_ADDRESS, sender=admin)
    assert token.fee_recipient() == fee_recipient


def test_set_fee_recipient__from_admin__sets_and_emits(token, configurator, admin, outsider):
    tx = configurator.set_fee_recipient(token, outsider, sender=admin)

    assert token.fee_recipient() == outsider
    assert tx.events.filter(configurator.FeeRecipientSet) == [
        configurator.FeeRecipientSet(token=token.address, fee_recipient=outsider)
    ]


def test_set_fee_recipient__from_guardian__reverts(token, configurator, guardian, fee_recipient):
    with ape.reverts(MISSING_ROLE):
        configurator.set_fee_recipient(token, guardian, sender=guardian)
    assert token.fee_recipient() == fee_recipient


def test_admin_handover__new_admin_can_set_and_old_admin_cannot(token, configurator, admin, outsider):
    token.grantRole(b"\x00" * 32, outsider, sender=admin)
    token.renounceRole(b"\x00" * 32, admin, sender=admin)

    with ape.reverts(MISSING_ROLE):
        configurator.set_fees(token, 20, 10, 365, sender=admin)
    configurator.set_fees(token, 20, 10, 365, sender=outsider)

    assert token.mint_fee_bps() == 20


# ---------------------------------------------------------------- configure: the configurator alone


@pytest.mark.parametrize("role_name", ["admin", "keeper", "guardian", "outsider"])
def test_configure__from_anyone_but_the_configurator__reverts(token, actors, role_name):
    parameters = (token.fee_recipient(), *[0] * 18)

    with ape.reverts("lt: configurator"):
        token.configure(parameters, sender=getattr(actors, role_name))

    assert token.mint_fee_bps() == 10


def test_configure__token__is_wired_to_the_factory_configurator(token, factory, configurator):
    assert token.configurator() == configurator.address == factory.configurator()


# ---------------------------------------------------------------- which changes act at once


@pytest.mark.parametrize(
    ("setter", "args"),
    [
        ("set_fees", (10, 10, 365)),  # unchanged
        ("set_fees", (0, 5, 100)),  # every fee down
        ("set_limits", (10**6 * USDC, 50, 3_600)),  # only the cap, down
    ],
)
def test_change__fee_cut_or_lower_cap_with_holders__acts_at_once(deposited, configurator, admin, setter, args):
    token = deposited

    tx = getattr(configurator, setter)(token, *args, sender=admin)

    assert not tx.events.filter(configurator.ChangeQueued)
    assert _fields(token, SETTERS[setter]) == args


@pytest.mark.parametrize(
    ("setter", "args"),
    [
        ("set_fees", (11, 10, 365)),  # one fee up, even with others down
        ("set_fees", (0, 0, 366)),
        ("set_limits", (MAX_UINT256, 50, 3_600)),  # a higher cap
        ("set_limits", (10**6 * USDC, 40, 3_600)),  # a tighter slippage limit could block a redeem
        ("set_limits", (10**6 * USDC, 50, 600)),  # so could a shorter price age
        ("set_split_band", (USDC, 1_000 * USDC)),
        ("set_leverage_band", (1_500, 45 * WAD // 10)),
        ("set_execution", (86_400, 120, 100, 1_000_000 * USDC, 60)),
        ("set_incentives", (2_000_000 * USDC, 5 * USDC, 3_600)),
        ("set_fee_recipient", (ZERO_ADDRESS[:-1] + "1",)),
        ("set_delay", (4 * DAY,)),
    ],
)
def test_change__holder_affecting_with_holders__is_queued_not_applied(
    deposited, configurator, admin, chain, setter, args
):
    token = deposited
    state = [getattr(token, name)() for name in ("fee_recipient", "max_total_assets", "band_bps", "split_upper_nav")]
    delay_before = configurator.delay(token)

    tx, queued = _queue(configurator, token, setter, *args, sender=admin)

    assert queued.change_id == _change_id(token, setter, *args)
    assert queued.change_id == configurator.change_id(token, KIND[setter], _values(*args))
    assert (queued.token, queued.kind, list(queued["values"])) == (token.address, KIND[setter], _values(*args))
    assert queued.eta == tx.timestamp + MIN_DELAY
    assert configurator.queued(queued.change_id).eta == queued.eta
    assert not configurator.is_instant(token, KIND[setter], _values(*args))
    if setter in SETTERS:
        assert _fields(token, SETTERS[setter]) != args
    assert [
        getattr(token, name)() for name in ("fee_recipient", "max_total_assets", "band_bps", "split_upper_nav")
    ] == state
    assert configurator.delay(token) == delay_before


def test_change__before_the_first_mint__acts_at_once(token, configurator, admin):
    """No holder yet: nothing to protect (a deployment sets its products up this way)."""
    assert token.totalSupply() == 0

    tx = configurator.set_fees(token, 50, 50, 1_000, sender=admin)
    configurator.set_delay(token, 5 * DAY, sender=admin)

    assert not tx.events.filter(configurator.ChangeQueued)
    assert token.mint_fee_bps() == 50
    assert configurator.delay(token) == 5 * DAY


def _parameters(token) -> list:
    return [getattr(token, name)() for name in PARAMETER_FIELDS]


def test_set_parameters__before_the_first_mint__writes_every_group_and_logs_each(token, configurator, admin, outsider):
    p = list(configurator.default_parameters(token, outsider, 5_000_000 * USDC))
    p[1:4] = [25, 30, 700]  # fees
    p[7] = 2_500  # band

    tx = configurator.set_parameters(token, p, sender=admin)

    assert _parameters(token) == p
    assert token.fee_recipient() == outsider
    logged = [log.event_name for log in tx.events if log.contract_address == configurator.address]
    assert logged == [
        "FeesSet",
        "LimitsSet",
        "SplitBandSet",
        "LeverageBandSet",
        "ExecutionSet",
        "IncentivesSet",
        "FeeRecipientSet",
    ]


def test_set_parameters__with_holders__reverts_has_holders_and_changes_nothing(deposited, configurator, admin):
    token = deposited
    before = _parameters(token)
    p = list(configurator.default_parameters(token, token.fee_recipient(), MAX_UINT256))
    p[3] = 2_000  # a management-fee rise that would otherwise be queued

    with ape.reverts("configurator: has holders"):
        configurator.set_parameters(token, p, sender=admin)

    assert _parameters(token) == before


def test_set_parameters__one_group_out_of_bounds__reverts_bounds(token, configurator, admin):
    p = list(configurator.default_parameters(token, admin, MAX_UINT256))
    p[16] = MAX_KEEPER_GRACE + 1  # keeper_grace

    with ape.reverts(BOUNDS):
        configurator.set_parameters(token, p, sender=admin)


def test_set_parameters__from_non_admin__reverts_missing_role(token, configurator, guardian):
    p = configurator.default_parameters(token, guardian, MAX_UINT256)

    with ape.reverts(MISSING_ROLE):
        configurator.set_parameters(token, p, sender=guardian)


# ---------------------------------------------------------------- the queue


def test_execute__after_the_delay__applies_and_emits(deposited, configurator, admin, chain):
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    chain.pending_timestamp = queued.eta

    tx = configurator.execute(queued.change_id, sender=admin)

    assert (token.mint_fee_bps(), token.redeem_fee_bps(), token.management_fee_bps()) == (20, 20, 500)
    assert tx.events.filter(configurator.ChangeExecuted) == [
        configurator.ChangeExecuted(token=token.address, change_id=queued.change_id)
    ]
    assert tx.events.filter(configurator.FeesSet) == [
        configurator.FeesSet(token=token.address, mint_fee_bps=20, redeem_fee_bps=20, management_fee_bps=500)
    ]
    assert configurator.queued(queued.change_id).eta == 0


def test_execute__before_the_delay__reverts_too_early(deposited, configurator, admin, chain):
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    chain.pending_timestamp = queued.eta - 1

    with ape.reverts("configurator: too early"):
        configurator.execute(queued.change_id, sender=admin)

    assert token.mint_fee_bps() == 10


@pytest.mark.parametrize("role_name", ["keeper", "guardian", "outsider"])
def test_execute__from_non_admin__reverts_missing_role(deposited, configurator, admin, chain, actors, role_name):
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    chain.pending_timestamp = queued.eta

    with ape.reverts(MISSING_ROLE):
        configurator.execute(queued.change_id, sender=getattr(actors, role_name))

    assert token.mint_fee_bps() == 10


def test_execute__unknown_or_already_executed__reverts_unknown(deposited, configurator, admin, chain):
    token = deposited
    with ape.reverts("configurator: unknown"):
        configurator.execute(b"\x01" * 32, sender=admin)
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    chain.pending_timestamp = queued.eta
    configurator.execute(queued.change_id, sender=admin)

    with ape.reverts("configurator: unknown"):
        configurator.execute(queued.change_id, sender=admin)


def test_execute__after_the_execution_window__reverts_expired_and_changes_nothing(
    deposited, configurator, admin, chain
):
    """Review finding: a queued change never lapsed, so a rise queued long ago could land on
    holders who arrived later. It may execute for EXECUTION_WINDOW after its eta, no later."""
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    assert configurator.EXECUTION_WINDOW() == 14 * DAY
    chain.pending_timestamp = queued.eta + configurator.EXECUTION_WINDOW() + 1

    with ape.reverts("configurator: expired"):
        configurator.execute(queued.change_id, sender=admin)

    assert token.mint_fee_bps() == 10


def test_execute__at_the_end_of_the_execution_window__applies(deposited, configurator, admin, chain):
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    chain.pending_timestamp = queued.eta + configurator.EXECUTION_WINDOW()

    configurator.execute(queued.change_id, sender=admin)

    assert token.mint_fee_bps() == 20


def test_set_fee_recipient__with_fees_held__pays_them_to_the_old_recipient_first(
    deposited, configurator, admin, chain, fee_recipient, outsider, usdc
):
    """Review finding: the mint and redeem fees held when the recipient changed went to the new
    recipient at the next collect_fees. They belong to the old one."""
    token = deposited
    held = token.protocol_fees()
    assert held > 0  # the deposit's mint fee
    before = usdc.balanceOf(fee_recipient)
    _, queued = _queue(configurator, token, "set_fee_recipient", outsider, sender=admin)
    chain.pending_timestamp = queued.eta

    configurator.execute(queued.change_id, sender=admin)

    assert token.fee_recipient() == outsider
    assert usdc.balanceOf(fee_recipient) - before == held
    assert token.protocol_fees() == 0 and usdc.balanceOf(outsider) == 0


def test_queue__same_change_twice__reverts_queued(deposited, configurator, admin):
    token = deposited
    _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)

    with ape.reverts("configurator: queued"):
        configurator.set_fees(token, 20, 20, 500, sender=admin)
    _queue(configurator, token, "set_fees", 20, 20, 501, sender=admin)  # another change: its own id


def test_execute__bounds_no_longer_met__reverts_bounds(deposited, configurator, admin, chain, btc_venue):
    """Bounds are checked again at execution: the venue lowered its max leverage meanwhile."""
    token = deposited
    _, queued = _queue(configurator, token, "set_leverage_band", 2_000, 6 * WAD, sender=admin)
    btc_venue.set_max_leverage(5 * WAD, sender=admin)
    chain.pending_timestamp = queued.eta

    with ape.reverts(BOUNDS):
        configurator.execute(queued.change_id, sender=admin)

    assert token.ripcord_leverage() == 9 * WAD // 2


@pytest.mark.parametrize("role_name", ["guardian", "admin"])
def test_cancel__by_guardian_or_admin__drops_the_change(deposited, configurator, admin, chain, actors, role_name):
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    caller = getattr(actors, role_name)

    tx = configurator.cancel(queued.change_id, sender=caller)

    assert tx.events.filter(configurator.ChangeCancelled) == [
        configurator.ChangeCancelled(token=token.address, change_id=queued.change_id, caller=caller)
    ]
    chain.pending_timestamp = queued.eta
    with ape.reverts("configurator: unknown"):
        configurator.execute(queued.change_id, sender=admin)
    assert token.mint_fee_bps() == 10


@pytest.mark.parametrize("role_name", ["keeper", "outsider"])
def test_cancel__from_neither_guardian_nor_admin__reverts_missing_role(
    deposited, configurator, admin, actors, role_name
):
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)

    with ape.reverts(MISSING_ROLE):
        configurator.cancel(queued.change_id, sender=getattr(actors, role_name))

    assert configurator.queued(queued.change_id).eta == queued.eta


# ---------------------------------------------------------------- the delay


def test_delay__default__is_the_floor(token, configurator):
    assert configurator.delay(token) == MIN_DELAY


@pytest.mark.parametrize("delay", [0, MIN_DELAY - 1, MAX_DELAY + 1, MAX_UINT256])
def test_set_delay__out_of_bounds__reverts_bounds(token, configurator, admin, delay):
    with ape.reverts(BOUNDS):
        configurator.set_delay(token, delay, sender=admin)
    assert configurator.delay(token) == MIN_DELAY


def test_set_delay__with_holders__waits_the_old_delay_then_governs_new_changes(deposited, configurator, admin, chain):
    token = deposited
    tx, queued = _queue(configurator, token, "set_delay", 5 * DAY, sender=admin)
    assert queued.eta == tx.timestamp + MIN_DELAY
    chain.pending_timestamp = queued.eta

    executed = configurator.execute(queued.change_id, sender=admin)

    assert configurator.delay(token) == 5 * DAY
    assert executed.events.filter(configurator.DelaySet) == [configurator.DelaySet(token=token.address, delay=5 * DAY)]
    tx, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    assert queued.eta == tx.timestamp + 5 * DAY


def test_set_delay__from_guardian__reverts_missing_role(token, configurator, guardian):
    with ape.reverts(MISSING_ROLE):
        configurator.set_delay(token, 4 * DAY, sender=guardian)


def test_min_delay__holder_a_day_late_waiting_a_heartbeat__exits_before_the_change(
    token, configurator, admin, depositor, fund, set_price, chain
):
    """The floor is longer than notice plus the slowest exit (issue 14, I3): a holder who sees a
    queued fee rise a day late, on a token that trades only on prices under a minute old while
    its feed beats once a day, waits a whole heartbeat for a fresh price and still redeems at the
    old fee before the change may execute. (The 24 h floor it replaces let the rise land first.)"""
    configurator.set_limits(token, token.max_total_assets(), token.max_slippage_bps(), MIN_PRICE_AGE, sender=admin)
    set_price(60_000)
    beat = chain.blocks.head.timestamp  # the feed's heartbeat: one answer a day from here
    fund(depositor, token, 10_000 * USDC)
    shares = token.deposit(10_000 * USDC, depositor, sender=depositor).return_value
    chain.pending_timestamp = beat + MIN_PRICE_AGE + 1
    tx, queued = _queue(configurator, token, "set_fees", 10, 100, 365, sender=admin)  # redeem fee 10 -> 100 bps
    chain.pending_timestamp = beat + DAY
    set_price(60_000)  # the next beat, while the holder is not looking
    chain.pending_timestamp = tx.timestamp + DAY  # the holder sees the queued rise
    with ape.reverts("lt: stale price"):
        token.redeem(shares, depositor, depositor, sender=depositor)
    chain.pending_timestamp = beat + 2 * DAY
    set_price(60_000)  # the beat after

    redeemed = token.redeem(shares, depositor, depositor, sender=depositor)

    assert redeemed.timestamp < queued.eta
    assert token.redeem_fee_bps() == 10
    (withdrawn,) = redeemed.events.filter(token.Withdraw)
    assert withdrawn.shares == shares and token.balanceOf(depositor) == 0
    assert configurator.queued(queued.change_id).eta == queued.eta  # still waiting


def test_revoke_guardian__by_admin_at_once__no_cancel_but_the_delay_still_binds(
    deposited, configurator, admin, guardian, chain
):
    """docs/security.md: the admin can revoke the guardian at once, which ends the guardian's
    cancel; what protects holders from a hostile admin is the delay, which still binds."""
    token = deposited
    _, queued = _queue(configurator, token, "set_fees", 20, 20, 500, sender=admin)
    token.revokeRole(token.GUARDIAN_ROLE(), guardian, sender=admin)

    with ape.reverts(MISSING_ROLE):
        configurator.cancel(queued.change_id, sender=guardian)
    chain.pending_timestamp = queued.eta - 1
    with ape.reverts("configurator: too early"):
        configurator.execute(queued.change_id, sender=admin)

    assert token.mint_fee_bps() == 10
    assert configurator.queued(queued.change_id).eta == queued.eta
