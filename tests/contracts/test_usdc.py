"""MockUSDC: 6-decimal ERC-20 with an open, per-call-capped faucet."""

from __future__ import annotations

import ape

from ltsdk.units import USDC

MAX_UINT = 2**256 - 1
ZERO = "0x0000000000000000000000000000000000000000"


def only_event(tx, event_type):
    logs = tx.events.filter(event_type)
    assert len(logs) == 1
    return logs[0]


def test_metadata__name_symbol_decimals_faucet_limit(usdc):
    assert usdc.name() == "Mock USD Coin"
    assert usdc.symbol() == "USDC"
    assert usdc.decimals() == 6
    assert usdc.MAX_FAUCET_AMOUNT() == 10**18


def test_mint__anyone_up_to_the_faucet_limit__credits_receiver_and_supply(usdc, outsider, depositor):
    supply = usdc.totalSupply()
    tx = usdc.mint(depositor, 10**18, sender=outsider)
    assert usdc.balanceOf(depositor) == 10**18
    assert usdc.totalSupply() == supply + 10**18
    log = only_event(tx, usdc.Transfer)
    assert (log.sender, log.receiver, log.value) == (ZERO, depositor.address, 10**18)


def test_mint__above_faucet_limit__reverts(usdc, attacker):
    with ape.reverts("usdc: faucet limit"):
        usdc.mint(attacker, 10**18 + 1, sender=attacker)


def test_mint__to_zero_address__reverts(usdc, outsider):
    with ape.reverts("usdc: zero address"):
        usdc.mint(ZERO, USDC, sender=outsider)


def test_transfer__within_balance__moves_tokens_and_returns_true(usdc, depositor, other_depositor):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    supply = usdc.totalSupply()

    tx = usdc.transfer(other_depositor, 40 * USDC, sender=depositor)

    assert tx.return_value is True
    assert usdc.balanceOf(depositor) == 60 * USDC
    assert usdc.balanceOf(other_depositor) == 40 * USDC
    assert usdc.totalSupply() == supply
    log = only_event(tx, usdc.Transfer)
    assert (log.sender, log.receiver, log.value) == (depositor.address, other_depositor.address, 40 * USDC)


def test_transfer__more_than_balance__reverts(usdc, depositor, other_depositor):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    with ape.reverts("usdc: insufficient balance"):
        usdc.transfer(other_depositor, 100 * USDC + 1, sender=depositor)


def test_transfer__to_zero_address__reverts(usdc, depositor):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    with ape.reverts("usdc: zero address"):
        usdc.transfer(ZERO, 1, sender=depositor)


def test_approve__sets_and_overwrites_allowance(usdc, depositor, outsider):
    tx = usdc.approve(outsider, 5 * USDC, sender=depositor)
    assert tx.return_value is True
    assert usdc.allowance(depositor, outsider) == 5 * USDC
    log = only_event(tx, usdc.Approval)
    assert (log.owner, log.spender, log.value) == (depositor.address, outsider.address, 5 * USDC)

    usdc.approve(outsider, 2 * USDC, sender=depositor)
    assert usdc.allowance(depositor, outsider) == 2 * USDC


def test_transfer_from__within_allowance__moves_tokens_and_spends_allowance(usdc, depositor, outsider, fee_recipient):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    usdc.approve(outsider, 30 * USDC, sender=depositor)

    tx = usdc.transferFrom(depositor, fee_recipient, 25 * USDC, sender=outsider)

    assert tx.return_value is True
    assert usdc.balanceOf(depositor) == 75 * USDC
    assert usdc.balanceOf(fee_recipient) == 25 * USDC
    assert usdc.balanceOf(outsider) == 0
    assert usdc.allowance(depositor, outsider) == 5 * USDC


def test_transfer_from__beyond_allowance__reverts(usdc, depositor, outsider):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    usdc.approve(outsider, 30 * USDC, sender=depositor)
    with ape.reverts("usdc: insufficient allowance"):
        usdc.transferFrom(depositor, outsider, 30 * USDC + 1, sender=outsider)


def test_transfer_from__own_tokens_without_allowance__reverts(usdc, depositor, outsider):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    with ape.reverts("usdc: insufficient allowance"):
        usdc.transferFrom(depositor, outsider, 1, sender=depositor)


def test_transfer_from__infinite_allowance__is_not_spent(usdc, depositor, outsider):
    usdc.mint(depositor, 100 * USDC, sender=depositor)
    usdc.approve(outsider, MAX_UINT, sender=depositor)
    usdc.transferFrom(depositor, outsider, 60 * USDC, sender=outsider)
    assert usdc.allowance(depositor, outsider) == MAX_UINT
    assert usdc.balanceOf(outsider) == 60 * USDC


def test_transfer_from__beyond_balance__reverts(usdc, depositor, outsider):
    usdc.mint(depositor, 10 * USDC, sender=depositor)
    usdc.approve(outsider, MAX_UINT, sender=depositor)
    with ape.reverts("usdc: insufficient balance"):
        usdc.transferFrom(depositor, outsider, 10 * USDC + 1, sender=outsider)
