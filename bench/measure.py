"""Gas measurements on a local anvil: the leveraged token's operations in a warmed-up steady state,
the reference contracts (snekmate's ERC-20 and ERC-4626) driven the same way, and the minimal-fund
probe that measures the venue's own work at the token's address."""

from __future__ import annotations

from types import SimpleNamespace

from ape import chain, project
from eth_account import Account
from web3 import Web3

from bench.floors import (
    BAND_READ,
    COOLDOWN_WRITE,
    DEPOSIT_EVENT,
    ROLE_CHECK,
    SLOAD_COLD,
    SSTORE_UPDATE,
    TX_BASE,
    VENUE_ENTER,
    VENUE_EXIT,
    VENUE_READ,
    VENUE_RIPCORD,
    VENUE_TRADE,
    WITHDRAW_EVENT,
    base_items,
    calldata_gas,
    erc20_floor,
    share_items,
)
from bench.settings import (
    DEPOSIT_ASSETS,
    ERC20_ALLOWANCE,
    ERC20_AMOUNT,
    SHARES,
    TOKEN,
    TOP_UP_ASSETS,
    USER_FUNDS,
    WITHDRAW_ASSETS,
)
from bench.trace import BREAKDOWN_OPS, COLLATERAL_CALLS, VENUE_CALLS, VIEWS_CALL, gas_breakdown
from ltsdk import permit
from ltsdk.deploy import ApeBackend, deploy_protocol
from ltsdk.units import MAX_UINT256, MINUTE, USDC, WAD


def set_time(timestamp: int) -> None:
    chain.pending_timestamp = timestamp


def later() -> int:
    """Steady state: the next call lands a minute after the last block. Returns its timestamp."""
    when = chain.blocks.head.timestamp + MINUTE
    set_time(when)
    return when


def send_reverting(contract, method: str, sender):
    """A call sent although it reverts (as a keeper that skipped simulation would). Sent through
    web3 so that ape does not print its call trace; returns what the tables read from a receipt."""
    w3 = chain.provider.web3
    data = bytes(getattr(contract, method).encode_input())
    tx_hash = w3.eth.send_transaction({"from": sender.address, "to": contract.address, "data": data, "gas": 1_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 0, "expected a revert"
    return SimpleNamespace(
        gas_used=receipt["gasUsed"], txn_hash=Web3.to_hex(tx_hash), transaction=SimpleNamespace(data=data)
    )


class Probe:
    """ReferenceMinimalFund's runtime, run at a token's address inside a snapshot."""

    def __init__(self, adapter, usdc, deployer):
        deployed = project.ReferenceMinimalFund.deploy(adapter, usdc, sender=deployer)
        self.code = chain.provider.get_code(deployed.address)  # runtime with its immutables
        self.abi = [item.model_dump(mode="json", by_alias=True) for item in deployed.contract_type.abi]
        self.w3 = chain.provider.web3

    def execution_gas(self, at: str, sender: str, function: str, args: list) -> int:
        """Gas of `function(*args)` sent by `sender` to the probe at `at`, less base and calldata.
        The caller restores the snapshot afterwards."""
        chain.provider.set_code(at, self.code)
        contract = self.w3.eth.contract(address=at, abi=self.abi)
        tx_hash = getattr(contract.functions, function)(*args).transact({"from": sender, "gas": 5_000_000})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"probe {function} reverted"
        data = bytes(self.w3.eth.get_transaction(tx_hash)["input"])
        return receipt["gasUsed"] - TX_BASE - calldata_gas(data)


def with_probe(probe, token, when, send, probe_call):
    """Run the token's operation and, in the very same state, the minimal fund's venue calls.

    `send()` sends the operation; `probe_call(receipt)` gives (sender, function, args) for the
    probe from the operation's receipt (the size it traded, the margin it added, ...). The
    operation runs, the chain goes back, the probe runs, the chain goes back, and the operation
    runs again for good. Returns (the operation's receipt, the probe's execution gas)."""
    before = chain.snapshot()
    set_time(when)
    first = send()
    sender, function, args = probe_call(first)
    chain.restore(before)
    before = chain.snapshot()
    set_time(when)
    venue_gas = probe.execution_gas(token.address, sender, function, args)
    chain.restore(before)
    set_time(when)
    receipt = send()
    assert receipt.gas_used == first.gas_used, "the operation's gas changed on the replay"
    return receipt, venue_gas


def traded(adapter, receipt) -> tuple[int, int]:
    """(size_delta, exec_price) of the venue trade in `receipt`, or (0, 0)."""
    trades = adapter.Traded.from_receipt(receipt)
    return (trades[0].size_delta, trades[0].exec_price) if trades else (0, 0)


def enter_call(adapter, token, payer):
    """The probe call a deposit or mint needs: pull the same assets, add the same margin, trade."""

    def call(receipt):
        (deposit,) = token.Deposit.from_receipt(receipt)
        (margin,) = adapter.MarginDeposited.from_receipt(receipt)
        size_delta, price = traded(adapter, receipt)
        return payer.address, "enter", [deposit.assets, margin.amount, size_delta, price]

    return call


def exit_call(adapter, paid, caller, receiver):
    """The probe call a redeem, withdraw, rebalance or ripcord needs: the same trade, and the
    venue paying `paid(receipt)` straight to `receiver`."""

    def call(receipt):
        size_delta, price = traded(adapter, receipt)
        return caller.address, "exit", [size_delta, price, paid(receipt), receiver]

    return call


def read_call(caller):
    def call(receipt):
        return caller.address, "read_nav", []

    return call


def measure_token(manifest, probe, admin, user, other):
    """Every leveraged-token operation on BTC3L, each with its lower bound.
    Returns ({name: (gas, floor items)}, {name: receipt}, {what-if name: gas}, {name: venue
    execution gas})."""
    c = manifest["contracts"]
    usdc, token, configurator = c["collateral"], c["tokens"][TOKEN], c["configurator"]
    adapter, oracle = c["markets"]["BTC"]["adapter"], c["markets"]["BTC"]["oracle"]
    usdc.mint(user, USER_FUNDS, sender=user)
    usdc.approve(token, MAX_UINT256, sender=user)
    rows, receipts, venue = {}, {}, {}

    def run(name, send, probe_call, venue_label, extra_items):
        receipt, venue[name] = with_probe(probe, token, later(), send, probe_call)
        items = [(venue_label, 1, venue[name]), *base_items(receipt), *extra_items]
        rows[name] = (receipt.gas_used, items)
        receipts[name] = receipt

    enter = enter_call(adapter, token, user)
    paid_out = exit_call(adapter, lambda r: token.Withdraw.from_receipt(r)[0].assets, user, user.address)

    def deposit(amount):
        return lambda: token.deposit(amount, user, sender=user)

    run("deposit (first)", deposit(DEPOSIT_ASSETS), enter, VENUE_ENTER, share_items(True, DEPOSIT_EVENT))
    later()
    token.deposit(TOP_UP_ASSETS, user, sender=user)  # the fee recipient's balance now exists
    run("deposit", deposit(DEPOSIT_ASSETS), enter, VENUE_ENTER, share_items(False, DEPOSIT_EVENT))
    run(
        "mint",
        lambda: token.mint(SHARES * WAD, user, sender=user),
        enter,
        VENUE_ENTER,
        share_items(False, DEPOSIT_EVENT),
    )
    run(
        "redeem (first)",
        lambda: token.redeem(SHARES * WAD, user, user, sender=user),
        paid_out,
        VENUE_EXIT,
        share_items(False, WITHDRAW_EVENT),
    )
    run(
        "redeem",
        lambda: token.redeem(SHARES * WAD, user, user, sender=user),
        paid_out,
        VENUE_EXIT,
        share_items(False, WITHDRAW_EVENT),
    )
    run(
        "withdraw",
        lambda: token.withdraw(WITHDRAW_ASSETS, user, user, sender=user),
        paid_out,
        VENUE_EXIT,
        share_items(False, WITHDRAW_EVENT),
    )

    what_if = {"deposit (no fee due)": deposit_without_fee(configurator, token, admin, user)}

    trade_only = exit_call(adapter, lambda r: 0, admin, admin.address)
    rebalance_items = [ROLE_CHECK, BAND_READ, COOLDOWN_WRITE]
    run(
        "rebalance (not needed, reverts)",
        lambda: send_reverting(token, "rebalance", admin),
        read_call(admin),
        VENUE_READ,
        [BAND_READ],
    )
    oracle.set_price(54_000 * 10**8, sender=admin)  # -10 %: out of the band
    later()
    # warm-up: the fund's first rebalance fills its bookkeeping slots
    what_if["rebalance (the fund's first)"] = token.rebalance(sender=admin).gas_used
    oracle.set_price(48_600 * 10**8, sender=admin)  # -10 % again
    run("rebalance (full)", lambda: token.rebalance(sender=admin), trade_only, VENUE_TRADE, rebalance_items)
    # 500 USDC chunks, no cooldown: queued (the fund has holders), executed after the delay
    change(configurator, token, admin, "set_execution", 86_400, 120, 50, 500 * USDC, 0)
    oracle.set_price(44_000 * 10**8, sender=admin)
    later()
    # warm-up: the first chunk of this TWAP sets chunk_pending
    what_if["rebalance (first chunk)"] = token.rebalance(sender=admin).gas_used
    run("rebalance (chunk)", lambda: token.rebalance(sender=admin), trade_only, VENUE_TRADE, rebalance_items)
    change(configurator, token, admin, "set_execution", 86_400, 120, 50, 1_000_000 * USDC, 60)
    oracle.set_price(40_000 * 10**8, sender=admin)  # far past the ripcord level
    reward = exit_call(adapter, lambda r: token.Ripcord.from_receipt(r)[0].reward, other, other.address)
    run(
        "ripcord",
        lambda: token.ripcord(sender=other),
        reward,
        VENUE_RIPCORD,
        [("ripcord level: SLOAD, cold", 1, SLOAD_COLD)],
    )
    # a split reports NAV per share before and after (the keeper's band rule needs it), so its
    # bound includes the NAV read and the supply beside the share scale it rewrites
    split_items = [
        ROLE_CHECK,
        ("share scale: SSTORE update, cold", 1, SSTORE_UPDATE),
        ("supply, for NAV per share: SLOAD, cold", 1, SLOAD_COLD),
    ]
    for name, method in (("split", token.split), ("reverse split", token.reverse_split)):
        run(name, lambda method=method: method(10, sender=admin), read_call(admin), VENUE_READ, split_items)
    return rows, receipts, what_if, venue


def change(configurator, token, admin, setter, *args):
    """A parameter change through the configurator: at once if it may, else queued, the token's
    delay waited out and executed (the caller re-posts the oracle afterwards)."""
    queued = getattr(configurator, setter)(token, *args, sender=admin).events.filter(configurator.ChangeQueued)
    if queued:
        chain.pending_timestamp = max(chain.pending_timestamp, queued[0].eta)
        configurator.execute(queued[0].change_id, sender=admin)


def deposit_without_fee(configurator, token, admin, user) -> int:
    """What the steady-state deposit costs when no management fee is due (fee set to 0 first)."""
    before = chain.snapshot()
    change(configurator, token, admin, "set_fees", token.mint_fee_bps(), token.redeem_fee_bps(), 0)
    later()
    gas = token.deposit(DEPOSIT_ASSETS, user, sender=user).gas_used
    chain.restore(before)
    return gas


def erc20_rows(token, user, other, spender):
    """transfer, transferFrom, approve in warm conditions (both sides already hold a balance)."""
    token.transfer(other, ERC20_AMOUNT, sender=user)
    transfer = token.transfer(other, ERC20_AMOUNT, sender=user)
    approve = token.approve(spender, ERC20_ALLOWANCE, sender=user)
    transfer_from = token.transferFrom(user, other, ERC20_AMOUNT, sender=spender)
    return {"transfer": transfer, "transferFrom": transfer_from, "approve": approve}


def permit_receipt(token, spender, relayer):
    """A fresh signer's first permit (its nonce and the allowance are new slots)."""
    signer = Account.create()
    deadline = chain.pending_timestamp + 3_600
    typed = permit.permit_typed_data(
        token.name(),
        chain.chain_id,
        token.address,
        signer.address,
        spender.address,
        ERC20_AMOUNT,
        0,
        deadline,
        # the leveraged token's domain names its share unit; the reference vault's has no salt
        base_per_share=token.base_per_share() if hasattr(token, "base_per_share") else None,
    )
    v, r, s = permit.sign_permit(signer, typed)
    return token.permit(signer.address, spender, ERC20_AMOUNT, deadline, v, r, s, sender=relayer)


def measure_vault(usdc, admin, user):
    """snekmate's ERC-4626 over MockUSDC, the same sequence as the token's (a minute apart)."""
    vault = project.ReferenceERC4626.deploy(usdc, sender=admin)
    usdc.approve(vault, MAX_UINT256, sender=user)
    share = 10 ** vault.decimals()
    rows = {}
    later()
    rows["deposit (first)"] = vault.deposit(DEPOSIT_ASSETS, user, sender=user).gas_used
    later()
    vault.deposit(TOP_UP_ASSETS, user, sender=user)
    later()
    rows["deposit"] = vault.deposit(DEPOSIT_ASSETS, user, sender=user).gas_used
    later()
    rows["mint"] = vault.mint(SHARES * share, user, sender=user).gas_used
    later()
    rows["redeem (first)"] = vault.redeem(SHARES * share, user, user, sender=user).gas_used
    later()
    rows["redeem"] = vault.redeem(SHARES * share, user, user, sender=user).gas_used
    later()
    rows["withdraw"] = vault.withdraw(WITHDRAW_ASSETS, user, user, sender=user).gas_used
    return vault, rows


def measure_gas(admin, user, other, spender):
    """The gas section: the token, its references and the lower bounds."""
    manifest = deploy_protocol(ApeBackend(project, admin))
    c = manifest["contracts"]
    token = c["tokens"][TOKEN]
    probe = Probe(c["markets"]["BTC"]["adapter"], c["collateral"], admin)
    rows, receipts, what_if, venue = measure_token(manifest, probe, admin, user, other)

    vault, vault_rows = measure_vault(c["collateral"], admin, user)
    reference = project.ReferenceERC20.deploy(sender=admin)
    reference.mint(user, 1_000 * ERC20_AMOUNT, sender=admin)
    references = {name: ("ERC-4626", gas) for name, gas in vault_rows.items()}
    reference_erc20 = erc20_rows(reference, user, other, spender)
    for name, receipt in reference_erc20.items():
        references[name] = ("ERC-20", receipt.gas_used)
    for name, receipt in erc20_rows(token, user, other, spender).items():
        rows[name] = (receipt.gas_used, erc20_floor(name, receipt))
        receipts[name] = receipt
    receipts["permit"] = permit_receipt(token, spender, other)
    rows["permit"] = (receipts["permit"].gas_used, erc20_floor("permit", receipts["permit"]))
    references["permit"] = ("ERC-4626", permit_receipt(vault, spender, other).gas_used)

    callees = {
        VENUE_CALLS: c["markets"]["BTC"]["adapter"].address,
        VIEWS_CALL: token.views(),
        COLLATERAL_CALLS: c["collateral"].address,
    }
    breakdowns = {name: gas_breakdown(receipts[name], callees) for name in BREAKDOWN_OPS}
    breakdowns["ERC-20 transfer"] = gas_breakdown(reference_erc20["transfer"], {})
    deployed = {
        "token": len(chain.provider.get_code(token.address)),
        "blueprint": len(chain.provider.get_code(c["factory"].token_blueprint())),
        "create gas": token_creation_gas(c["factory"], c["markets"]["BTC"]["adapter"], admin),
    }
    return rows, references, what_if, venue, breakdowns, deployed


def token_creation_gas(factory, adapter, admin) -> int:
    """Gas of factory.create_token for one more product (from the blueprint, roles handed over)."""
    before = chain.snapshot()
    gas = factory.create_token("BTC", 7, True, adapter, admin, admin, sender=admin).gas_used  # BTC7L: not a product
    chain.restore(before)
    return gas
