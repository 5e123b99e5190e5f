"""Small exits from the profitable fund whose venue margin is deeper below zero than one
rebalance chunk repairs (issue 14, the review of the first F1 fix; see test_exit_limits.py): the
fund is built once for the module and each test starts from it, its own changes rolled back.
"""

from __future__ import annotations

import boa
import pytest

from fuzz.chain import model_fund, stack, venue_account
from fuzz.exit_limits import (
    ONE_SHARE,
    as_built,
    assert_small_exit_pays_its_value,
    build_profitable_fund_with_negative_margin,
    deepen_negative_margin,
    shared_fund,
)


@pytest.fixture
def s():
    """The session's stack (function-scoped, as `s` is in every module of this directory: one
    name, one scope); this module's fund is built on it once by the module fixture below."""
    return stack()


@pytest.fixture(scope="module")
def _profitable_fund():
    return build_profitable_fund_with_negative_margin(stack())


@pytest.fixture(scope="module")
def _deep_fund(_profitable_fund):
    s = stack()
    return shared_fund(s, deepen_negative_margin(s, _profitable_fund))


@pytest.fixture
def fund_with_deep_negative_margin(s, _deep_fund):
    """The module's fund, as it was built."""
    return as_built(s, _deep_fund)


@pytest.mark.parametrize("shares", [10**15, ONE_SHARE, 10 * ONE_SHARE])
def test_redeem__small_exit_while_margin_is_deeper_than_one_chunk_repairs__pays_its_value(
    s, fund_with_deep_negative_margin, shares
):
    """With the fund's part capped at max_trade_notional, the rest of the repair fell on the
    redeemer: one share reverted "lt: zero" and 10 shares paid 600.77 of their 4,935 USDC."""
    assert_small_exit_pays_its_value(s, fund_with_deep_negative_margin, s.actors.depositor, shares)


def test_redeem__while_margin_is_deeper_than_one_chunk_repairs__chain_and_model_agree_to_the_wei(
    s, fund_with_deep_negative_margin
):
    token, depositor = fund_with_deep_negative_margin, s.actors.depositor
    model = model_fund(s, token)
    now = boa.env.timestamp
    shares = 100 * ONE_SHARE
    expected_trades = model.exit_trades(model.snapshot(now), shares, now)
    assert s.views.exit_trades(token.internal._snapshot(), shares) == expected_trades
    expected = model.redeem(shares, depositor, now)
    assert token.redeem(shares, depositor, depositor, sender=depositor) == expected
    assert venue_account(s.venue, token.address) == model.venue.accounts[token.address]
