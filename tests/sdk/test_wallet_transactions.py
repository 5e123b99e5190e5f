"""Transactions for a wallet outside the SDK (a browser's): `deposit_transactions` and
`redeem_transactions` check everything `deposit`/`redeem` check, return the approval only when the
allowance is short, and carry the exact quote of their block; signed elsewhere, they mint and redeem."""

import pytest
from eth_account import Account

from ltsdk import Protocol, errors
from ltsdk.sender import gas_limit
from ltsdk.units import USDC, WAD


@pytest.fixture
def reader(manifest_file, rpc_url):
    """An SDK session with no signer: the server side of a browser wallet."""
    return Protocol.from_manifest(manifest_file, rpc_url, account=None)


def _send(w3, key, transactions):
    """Sign and send each transaction as the wallet would: with its gas limit when it carries one,
    else the wallet's own estimate with a margin; the receipts."""
    account = Account.from_key(key)
    receipts = []
    for tx in transactions:
        nonce = w3.eth.get_transaction_count(account.address)
        request = dict(tx.as_request(), value=0, chainId=w3.eth.chain_id, nonce=nonce)
        if "gas" in request:
            request["gas"] = int(request["gas"], 16)
        else:
            request["gas"] = gas_limit(w3.eth.estimate_gas(request))
        request["gasPrice"] = w3.eth.gas_price
        signed = account.sign_transaction(request)
        receipts.append(w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction)))
    return receipts


def test_deposit_transactions__short_allowance__approve_then_deposit_mints_the_quote(reader, user_protocol, depositor):
    token = reader.token("BTC3L")
    plan = token.deposit_transactions(1_000 * USDC, depositor.address)
    assert [tx.to for tx in plan.transactions] == [reader.collateral_address, token.address]
    approve, deposit = plan.transactions
    assert approve.gas is not None and deposit.gas is None  # the deposit is estimated after the approval
    assert plan.quoted_out == token.contract.functions.previewDeposit(1_000 * USDC).call(
        {"from": token.address}, plan.block
    )
    assert plan.min_out == plan.quoted_out * 9_950 // 10_000  # the default 50 bp
    receipts = _send(reader.w3, depositor.private_key, plan.transactions)
    assert all(receipt["status"] == 1 for receipt in receipts)
    assert token.balance_of(depositor.address) >= plan.min_out

    again = token.deposit_transactions(1 * USDC, depositor.address)
    assert len(again.transactions) == 2  # the approval was exact and is spent: another one first


def test_deposit_transactions__allowance_enough__the_deposit_alone(reader, user_protocol, depositor, project):
    token = reader.token("BTC3L")
    usdc = project.MockUSDC.at(reader.collateral_address)
    usdc.approve(token.address, 2**256 - 1, sender=depositor)
    plan = token.deposit_transactions(500 * USDC, depositor.address, slippage_bps=0)
    (tx,) = plan.transactions
    assert tx.to == token.address and plan.min_out == plan.quoted_out
    assert tx.gas is not None and tx.as_request()["gas"] == hex(tx.gas)


def test_redeem_transactions__held_shares__one_simulated_redeem_pays_the_quote(reader, user_protocol, depositor, chain):
    user_protocol.token("ETH3S").deposit(2_000 * USDC)
    token = reader.token("ETH3S")
    plan = token.redeem_transactions(WAD, depositor.address)
    (tx,) = plan.transactions
    assert tx.to == token.address and tx.sender == depositor.address
    # mined a minute after the estimate's block: the redeem first mints a minute of management fee,
    # a costlier path than the estimate's; the plan's gas limit covers it
    chain.pending_timestamp = chain.blocks.head.timestamp + 60
    before = reader.collateral.functions.balanceOf(depositor.address).call()
    (receipt,) = _send(reader.w3, depositor.private_key, plan.transactions)
    assert receipt["status"] == 1
    assert reader.collateral.functions.balanceOf(depositor.address).call() - before >= plan.min_out


@pytest.mark.parametrize(
    ("side", "amount", "sender", "error"),
    [
        ("deposit", 0, None, errors.ZeroAmount),
        ("deposit", 10**30, None, errors.InsufficientBalance),
        ("deposit", 1_000 * USDC, "0x123", errors.BadArgument),
        ("redeem", WAD, None, errors.InsufficientBalance),
        ("redeem", -1, None, errors.ZeroAmount),
    ],
)
def test_wallet_transactions__bad_input__raise_before_any_transaction(reader, outsider, side, amount, sender, error):
    token = reader.token("BTC3L")
    build = token.deposit_transactions if side == "deposit" else token.redeem_transactions
    with pytest.raises(error):
        build(amount, sender or outsider.address)
