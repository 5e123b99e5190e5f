"""The one home of the fuzz suite's chain: the protocol deployed on titanoboa (an in-process EVM,
no anvil), the actors by role, revert helpers and the reference model built from chain state.

Everything is compiled once per session (`deployer`) and deployed once per session (`stack`);
each hypothesis example runs inside `boa.env.anchor()`, which restores the EVM state and the
block time when the example ends.

Units as in the contracts: assets in collateral base units (mock USDC, 6 decimals), shares in
wei (18 decimals), prices and leverage in WAD, fees in basis points.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boa
from boa.contracts.base_evm_contract import BoaError
from eth_abi import encode as abi_encode
from eth_utils import keccak
from helpers import venue_settings

from ltsdk import math
from ltsdk.deploy import BoaBackend, boa_contract, deploy_protocol, load_products, token_symbol
from ltsdk.replica import Fund, Venue
from ltsdk.units import MAX_UINT256, USDC, WAD

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = REPO_ROOT / "contracts"

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
SHARE_BASE_MASK = 2**240 - 1  # share_ledger.vy BASE_MASK: an allowance stored above it is infinite
MAX_BASE_PER_SHARE = 10**42  # share_ledger.vy: a reverse split past it starts a new scale epoch
START_TIME = 1_750_000_000  # block time of the deployment (seconds)
ACTOR_COLLATERAL = 1_000_000_000 * USDC  # each actor's faucet money: far more than any rule spends

# the default deployment (deployments/products.json): its BTC market and BTC tokens
SPEC = load_products()
BTC = SPEC["markets"]["BTC"]
ORACLE_DECIMALS = BTC["oracle_decimals"]
ORACLE_SCALE = 10 ** (18 - ORACLE_DECIMALS)  # oracle answer -> WAD price
BTC_DEPTH = int(BTC["depth_usd"]) * WAD  # WAD USD: a trade of this notional moves the price 100 %
VENUE_LIQUIDITY = int(BTC["venue_liquidity"]) * USDC  # the venue pays traders' profits from this
CAP = int(SPEC["max_total_assets_usd"]) * USDC  # max_total_assets of every token
# symbol -> (leverage, is_long, band_bps or None for the token's default)
PRODUCTS = {
    token_symbol("BTC", t["leverage"], t["is_long"]): (t["leverage"], t["is_long"], t.get("band_bps"))
    for t in SPEC["tokens"]
    if t["underlying"] == "BTC"
}

# actors by role; each has collateral and has approved every token and the venue
ROLES = ("admin", "keeper", "guardian", "depositor", "other_depositor", "attacker", "outsider", "fee_recipient")
# who may hold shares in the fuzz runs (the token itself also holds the dead shares)
HOLDERS = ("depositor", "other_depositor", "attacker", "outsider", "fee_recipient")


# ---------------------------------------------------------------- compilation and deployment

T = TypeVar("T")


def deployed_once(witness: Callable[[T], Any]) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """`functools.cache` for a deployment routine (one deployment per boa env), which fails loudly
    once the deployment is gone. titanoboa's pytest plugin runs every fixture's set-up inside a
    `boa.env.anchor()` that it leaves when the fixture is finalized: a stack deployed by a
    module-scoped fixture, or inside a test, is rolled back at the end of that module or test
    while a plain cache still hands it out, and a later module's calls then reach no code ('0x',
    undecodable). A stack that more than one module uses is deployed by a session fixture
    (conftest.py); `witness(stack)` is one of its contracts, checked to still have code."""

    def wrap(deploy: Callable[[], T]) -> Callable[[], T]:
        deployments: dict[int, tuple[Any, T]] = {}  # id(boa env) -> (the env, kept alive; its deployment)

        @functools.wraps(deploy)
        def deployed() -> T:
            if id(boa.env) not in deployments:
                deployments[id(boa.env)] = (boa.env, deploy())
            value = deployments[id(boa.env)][1]
            address = witness(value).address
            assert boa.env.get_code(address), (
                f"{deploy.__qualname__}(): its deployment ({address}) was rolled back by the anchor it was "
                "deployed in; deploy it in a session fixture (tests/fuzz/conftest.py) before any test uses it"
            )
            return value

        return deployed

    return wrap


def deployer(name: str):
    """The compiled contract `contracts/<name>.vy` (e.g. "mocks/MockUSDC"), once per session."""
    return boa_contract(name)


@dataclass(frozen=True)
class Actors:
    admin: str  # DEFAULT_ADMIN_ROLE on every token; owner of the venue and the oracle
    keeper: str  # KEEPER_ROLE
    guardian: str  # GUARDIAN_ROLE
    depositor: str
    other_depositor: str
    attacker: str
    outsider: str
    fee_recipient: str  # every token's fee recipient

    def by_role(self) -> dict[str, str]:
        return {role: getattr(self, role) for role in ROLES}


@dataclass(frozen=True)
class Stack:
    usdc: Any
    oracle: Any
    venue: Any
    views: Any
    configurator: Any
    factory: Any
    tokens: dict[str, Any]  # symbol -> token
    actors: Actors
    lens: Any


@deployed_once(lambda s: s.venue)
def stack() -> Stack:
    """The BTC market and the BTC products of deployments/products.json, deployed by the one
    deployment routine (`ltsdk.deploy.deploy_protocol`, here over titanoboa): the admin holds every
    role on every token, the keeper and the guardian hold theirs."""
    boa.env.timestamp = START_TIME
    actors = Actors(**{role: boa.env.generate_address(role) for role in ROLES})
    products = {**SPEC, "markets": {"BTC": BTC}, "tokens": [t for t in SPEC["tokens"] if t["underlying"] == "BTC"]}
    deployed = deploy_protocol(
        BoaBackend(actors.admin),
        products,
        fee_recipient=actors.fee_recipient,
        keeper=actors.keeper,
        guardian=actors.guardian,
    )
    c = deployed["contracts"]
    usdc, venue, tokens = c["collateral"], c["markets"]["BTC"]["adapter"], c["tokens"]
    assert list(tokens) == list(PRODUCTS)
    for actor in actors.by_role().values():
        usdc.mint(actor, ACTOR_COLLATERAL, sender=actor)
        usdc.approve(venue, MAX_UINT256, sender=actor)
        for token in tokens.values():
            usdc.approve(token, MAX_UINT256, sender=actor)
    return Stack(
        usdc,
        c["markets"]["BTC"]["oracle"],
        venue,
        c["views"],
        c["configurator"],
        c["factory"],
        tokens,
        actors,
        c["lens"],
    )


def configure(s: Stack, token, setter: str, *args) -> None:
    """A parameter change by the admin through the configurator, made in a set-up before any
    deposit, where it acts at once (the fuzz suite never waits out the timelock)."""
    change_id = getattr(s.configurator, setter)(token, *args, sender=s.actors.admin)
    assert change_id == b"\x00" * 32, f"{setter}{args} was queued: set-up changes belong before the first mint"


# ---------------------------------------------------------------- CPython 3.11 frame stack


def _make_deep_stack_runner(slots: int):
    """A function whose frame has `slots` local variables (~8 bytes each). See `on_own_stack_chunk`."""
    names = ", ".join(f"_{i}" for i in range(slots))
    source = f"def run(fn):\n    {names} = {', '.join(['None'] * slots)}\n    return fn()\n"
    namespace: dict = {}
    exec(source, namespace)
    return namespace["run"]


_run_on_own_chunk = _make_deep_stack_runner(3_000)


def on_own_stack_chunk(fn: Callable[[], Any]) -> Any:
    """Run `fn()` below a ~48 KiB Python frame. CPython 3.11 keeps frames in 16 KiB chunks that
    it mmaps when the stack grows into one and unmaps as soon as it shrinks out of it. py-evm
    recurses a few hundred frames per transaction, so when a chunk boundary falls inside that
    recursion every nested call maps and unmaps a chunk: measured 2.5-3.5x slower (system time),
    and where the boundary falls depends on how deep the caller's stack is (pytest vs ape test).
    A frame that does not fit in any chunk's remainder starts a fresh 64 KiB chunk, so the
    boundaries below it no longer depend on the caller."""
    return _run_on_own_chunk(fn)


# ---------------------------------------------------------------- reverts


def reason_of(error: BoaError) -> str:
    """The revert string of a failed call ("lt: zero", "venue: margin", ...), or a description
    of a revert without one (which the suite treats as a failure: every revert needs a reason)."""
    frame = error.stack_trace.last_frame
    if isinstance(frame, str):
        return frame
    return frame.pretty_vm_reason


def attempt(call: Callable[[], Any]) -> tuple[bool, Any]:
    """(True, return value) or (False, revert reason)."""
    try:
        return True, call()
    except BoaError as error:
        return False, reason_of(error)


def revert_reason(call: Callable[[], Any]) -> str:
    """The reason `call` reverts with; fails the test if it does not revert."""
    ok, result = attempt(call)
    assert not ok, f"expected a revert, got {result!r}"
    return result


# ---------------------------------------------------------------- state snapshots


def zero_arg_views(abi: list[dict]) -> list[str]:
    return sorted(
        item["name"]
        for item in abi
        if item.get("type") == "function" and item.get("stateMutability") in ("view", "pure") and not item["inputs"]
    )


def observe(contract, names: list[str]) -> dict[str, Any]:
    """Every named zero-argument view of `contract` (a revert is recorded as its reason)."""
    result = {}
    for name in names:
        ok, value = attempt(getattr(contract, name))
        result[name] = value if ok else ("reverts", value)
    return result


def full_state(s: Stack, token) -> dict[str, Any]:
    """Everything a failed call must leave unchanged: all zero-argument views of the token and
    the venue, every actor's shares and collateral, the allowances between the share holders,
    the token's venue account and the collateral the token and the venue hold."""
    state: dict[str, Any] = {
        "token": observe(token, zero_arg_views(token.abi)),
        "venue": observe(s.venue, zero_arg_views(s.venue.abi)),
        "venue_account": venue_account(s.venue, token.address),
        "token_usdc": s.usdc.balanceOf(token),
        "venue_usdc": s.usdc.balanceOf(s.venue),
    }
    actors = s.actors.by_role()
    for role, actor in actors.items():
        state[f"shares:{role}"] = token.balanceOf(actor)
        state[f"usdc:{role}"] = s.usdc.balanceOf(actor)
    for owner in HOLDERS:
        for spender in HOLDERS:
            state[f"allowance:{owner}->{spender}"] = token.allowance(actors[owner], actors[spender])
    return state


# ---------------------------------------------------------------- the reference model of one token


def _signed(word: int) -> int:
    return word - 2**256 if word >= 2**255 else word


def venue_account(venue, account: str) -> math.Account:
    """The venue's private `accounts[account]` struct, read from storage (Vyper lays a
    HashMap value at keccak256(slot . key); `accounts` is the module perp_accounting's, laid out
    under its name, slot 0, the struct takes 4 words).
    Cross-checked against the public views, so a layout change fails loudly."""
    slot = venue.compiler_data.storage_layout["storage_layout"]["perp_accounting"]["accounts"]["slot"]
    base = int.from_bytes(keccak(abi_encode(["uint256", "address"], [slot, account])), "big")
    margin, size, open_notional, checkpoint = (_signed(boa.env.get_storage(venue.address, base + i)) for i in range(4))
    assert venue.position(account)[0] == size and venue.position(account)[2] == margin
    assert venue.open_notional(account) == open_notional
    return math.Account(margin=margin, size=size, open_notional=open_notional, funding_checkpoint=checkpoint)


def model_venue(venue, oracle) -> Venue:
    """`ltsdk.replica.Venue` with every parameter and the funding clock read from chain."""
    _, answer, _, updated_at, _ = oracle.latestRoundData()
    return Venue(price=max(answer, 0) * ORACLE_SCALE, updated_at=updated_at, **venue_settings(venue))


def model_fund(s: Stack, token) -> Fund:
    """`ltsdk.replica.Fund` (and its `Venue`) rebuilt from the token's and the venue's chain state:
    parameters, supply, every holder's balance, idle collateral, fees held, the fee clock, the
    rebalance bookkeeping and the token's venue account: the model at the start of an example.
    After an operation the model does not implement, once that operation has been checked on its
    own terms, the parts it changes are copied: `resync_after_exit` (withdraw), `resync_ledger`
    (splits)."""
    venue = model_venue(s.venue, s.oracle)
    venue.accounts[token.address] = venue_account(s.venue, token.address)
    fund = Fund(
        venue,
        account=token.address,
        target_leverage=token.target_leverage(),
        is_long=token.is_long(),
        fee_recipient=token.fee_recipient(),
    )
    # assigned after construction: __post_init__ would replace zeros with defaults
    for name in (
        "mint_fee_bps",
        "redeem_fee_bps",
        "management_fee_bps",
        "last_fee_accrual",
        "max_total_assets",
        "max_slippage_bps",
        "max_price_age",
        "band_bps",
        "ripcord_leverage",
        "rebalance_interval",
        "rebalance_offset",
        "min_drift_bps",
        "max_trade_notional",
        "twap_cooldown",
        "ripcord_trade_notional",
        "last_rebalance_time",
        "last_rebalance_price",
        "last_rebalance_slot",
        "chunk_pending",
        "idle_assets",
        "protocol_fees",
    ):
        setattr(fund, name, getattr(token, name)())
    fund.is_shutdown = token.is_shutdown()
    fund.ripcord_reward_assets = token.ripcord_reward()
    fund.min_initial_assets = token.MIN_INITIAL_ASSETS()
    fund.initial_nav_per_share = token.initial_nav_per_share()
    fund.asset_scale = token.ASSET_SCALE()
    resync_ledger(fund, s, token)
    return fund


def resync_after_exit(fund: Fund, s: Stack, token) -> None:
    """After an exit the model does not implement (withdraw): copy what it changes from chain -
    the share ledger, idle collateral, fees held, the fee clock, the venue account and the
    venue's funding clock (the account was settled). Everything else is unchanged by an exit."""
    resync_ledger(fund, s, token)
    fund.idle_assets = token.idle_assets()
    fund.protocol_fees = token.protocol_fees()
    fund.last_fee_accrual = token.last_fee_accrual()
    fund.venue.accounts[token.address] = venue_account(s.venue, token.address)
    fund.venue.funding_index = s.venue.funding_index()
    fund.venue.funding_updated_at = s.venue.funding_updated_at()


def minted_supply(token) -> int:
    """The shares minted so far: totalSupply less the management-fee shares it counts that are
    accrued and not yet minted (the model's `Fund.supply`, the sum of balances)."""
    return token.totalSupply() - token.pending_fee_shares()


def resync_ledger(fund: Fund, s: Stack, token) -> None:
    """Copy the share ledger (minted supply and every holder's balance) from chain into the model."""
    fund.supply = minted_supply(token)
    fund.balances = {address: token.balanceOf(address) for address in share_holders(s, token)}


def share_holders(s: Stack, token) -> list[str]:
    """Every address that can hold shares in the fuzz runs: the actors and the token (dead shares)."""
    return [*s.actors.by_role().values(), token.address]


class StateWrites:
    """Counts what may write the EVM state of `env` (a transaction, a deployment, a code or
    storage write, an anchor left, which reverts to its snapshot), so a state machine can reuse a
    view it read when nothing has been written since. A view call (not mutable) and a time travel
    write nothing here; a reverted transaction counts (harmless: the reuse only gets rarer).
    Installed on the env's instance (its methods shadowed) until `close()`.
    With `reuse_views`, a successful view call (same contract, sender, calldata, gas, block and
    clock) made again with nothing written since returns the first call's result unexecuted."""

    SHADOWED = ("execute_code", "deploy", "deploy_code", "set_code", "set_storage", "set_balance", "_anchor")

    def __init__(self, env=None, reuse_views: bool = False):
        self.env = env or boa.env
        self.count = 0
        self.views: dict[tuple, Any] = {}  # view call -> its computation, while `views_at` == count
        self.views_at = 0
        env_type = type(self.env)
        execute_code, anchor = self.env.execute_code, self.env._anchor

        def counting_execute_code(*args, is_modifying: bool = True, simulate: bool = False, **kwargs):
            if is_modifying and not simulate:
                self.count += 1
                return execute_code(*args, is_modifying=is_modifying, simulate=simulate, **kwargs)
            if not reuse_views or args or simulate or kwargs.get("override_bytecode") or kwargs.get("ir_executor"):
                return execute_code(*args, is_modifying=is_modifying, simulate=simulate, **kwargs)
            if self.views_at != self.count:
                self.views, self.views_at = {}, self.count
            patch = self.env.evm.patch
            key = (
                str(kwargs.get("to_address")),
                str(self.env._get_sender(kwargs.get("sender"))),
                bytes(kwargs.get("data", b"")),
                kwargs.get("value", 0),
                kwargs.get("gas"),
                patch.block_number,
                patch.timestamp,
            )
            computation = self.views.get(key)
            if computation is None:
                computation = execute_code(is_modifying=False, **kwargs)
                if not computation.is_error:
                    self.views[key] = computation
            return computation

        @contextlib.contextmanager
        def counting_anchor():
            try:
                with anchor():
                    yield
            finally:
                self.count += 1

        self.env.execute_code = counting_execute_code
        self.env._anchor = counting_anchor
        for name in ("deploy", "deploy_code", "set_code", "set_storage", "set_balance"):
            setattr(self.env, name, self._counting(getattr(env_type, name).__get__(self.env)))

    def _counting(self, method):
        @functools.wraps(method)
        def counting(*args, **kwargs):
            self.count += 1
            return method(*args, **kwargs)

        return counting

    def close(self) -> None:
        for name in self.SHADOWED:
            self.env.__dict__.pop(name, None)
