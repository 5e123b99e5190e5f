"""Regression tests for the independent review's findings (each fixed, or documented where noted).

1. The permissionless ripcord works above the venue's max leverage (its reward is capped at what
   the venue releases instead of making the de-levering revert).
2. After shutdown, a flat fund pays out from idle collateral whatever the oracle does.
3. Emergency shutdown closes a large position in chunks (the admin starts it, anyone continues).
4. A keeper-grace flag is accepted only for band and ripcord rebalances.
5. Documented: share amounts are read in the units current at execution, so a reverse split
   multiplies a pending redeem or transfer (docs/protocol.md, splits).
"""

import ape

from ltsdk import math
from ltsdk.codes import Reason
from ltsdk.units import USDC, WAD

START_PRICE = 60_000


def _big_fund(token, depositor, fund, amount_each=3_000_000 * USDC, times=2):
    """A BTC3L fund of ~6M USDC (deposits split so each in-kind trade stays under 50 bps)."""
    fund(depositor, token, amount_each * times)
    for _ in range(times):
        token.deposit(amount_each, depositor, sender=depositor)


def test_ripcord__above_venue_max_leverage__delevers_and_caps_its_reward(
    token, depositor, fund, set_price, btc_venue, outsider, usdc
):
    _big_fund(token, depositor, fund)
    set_price(42_000)  # -30 %: ~27.5x, above the venue's 20x, below its 40x liquidation
    leverage = token.current_leverage()
    assert 20 * WAD < leverage < 40 * WAD

    receipt = token.ripcord(sender=outsider)

    assert token.current_leverage() < leverage
    reward = receipt.return_value
    assert usdc.balanceOf(outsider) == reward <= token.ripcord_reward()
    # further calls keep de-levering until the fund is back under the ripcord level
    for _ in range(10):
        if token.current_leverage() < token.ripcord_leverage():
            break
        token.ripcord(sender=outsider)
    assert token.current_leverage() < token.ripcord_leverage()
    # and holders can leave again
    assert token.redeem(token.balanceOf(depositor) // 10, depositor, depositor, sender=depositor).return_value > 0


def test_redeem__after_shutdown_with_a_stale_oracle__pays_from_idle_collateral(
    token, depositor, fund, admin, chain, btc_venue, usdc
):
    fund(depositor, token, 10_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    token.emergency_shutdown(sender=admin)
    assert btc_venue.position(token)[0] == 0
    supply, idle = token.totalSupply(), token.idle_assets()

    chain.pending_timestamp = chain.pending_timestamp + 3_700  # the feed stops updating
    chain.mine()

    shares = token.balanceOf(depositor)
    assert token.maxRedeem(depositor) == shares
    # a few base units below the whole payout: withdraw's share search may need them
    assert token.previewRedeem(shares) - 5 <= token.maxWithdraw(depositor) < token.previewRedeem(shares)
    paid = token.redeem(shares, depositor, depositor, sender=depositor).return_value
    gross = idle * shares // supply  # no management fee accrues after shutdown
    assert gross - gross * 10 // 10_000 - 1 <= paid <= gross
    assert usdc.balanceOf(depositor) == paid


def test_emergency_shutdown__large_position__closes_in_chunks(
    token, depositor, fund, admin, outsider, btc_venue, configure, chain
):
    configure(token, "set_execution", 86_400, 120, 50, 5_000_000 * USDC, 60)  # before the first mint: at once
    _big_fund(token, depositor, fund)
    size = btc_venue.position(token)[0]

    token.emergency_shutdown(sender=admin)

    assert token.is_shutdown()
    remaining = btc_venue.position(token)[0]
    assert 0 < remaining < size  # one chunk of at most max_trade_notional
    assert token.idle_assets() == 0  # the margin stays with the position until it is flat
    for _ in range(5):
        if btc_venue.position(token)[0] == 0:
            break
        chain.pending_timestamp = chain.blocks.head.timestamp + token.twap_cooldown()
        token.emergency_shutdown(sender=outsider)
    assert btc_venue.position(token)[0] == 0
    assert token.idle_assets() == token.totalAssets() > 0


def test_flag__for_a_scheduled_rebalance__reverts_not_needed(token, depositor, fund, set_price, chain, outsider):
    fund(depositor, token, 100_000 * USDC)
    token.deposit(10_000 * USDC, depositor, sender=depositor)
    chain.pending_timestamp = math.next_slot_start(  # a slot opens
        chain.pending_timestamp, token.rebalance_offset(), token.rebalance_interval()
    )
    set_price(START_PRICE * 101 // 100)  # drift ~2 %: SCHEDULED, inside the band
    assert token.rebalance_status()[0] == Reason.SCHEDULED
    with ape.reverts("lt: not needed"):
        token.flag_rebalance_due(sender=outsider)  # the slot has its own grace clock
    assert token.due_since() == 0


def test_reverse_split__pending_share_amounts_are_read_in_new_units(token, depositor, other_depositor, fund, admin):
    """Documented behaviour (docs/protocol.md): min_assets bounds only the downside, so a redeem
    signed before a reverse split and mined after it closes `factor` times the value meant."""
    fund(depositor, token, 100_000 * USDC)
    token.deposit(50_000 * USDC, depositor, sender=depositor)
    intended = 10 * WAD
    min_assets = token.previewRedeem(intended) * 99 // 100
    token.reverse_split(10, sender=admin)
    paid = token.redeem(intended, depositor, depositor, min_assets, sender=depositor).return_value
    assert paid > 9 * min_assets
