"""An asynchronous (ERC-7540) token for the SDK's tests, deployed directly (not through the factory):
a BTC oracle, MockAsyncPerpVenue and LeveragedTokenAsync BTC3LA on the deployment's collateral,
and the venue keeper's fill of a round's order."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from helpers import deploy_async_btc3l, oracle_usd

from ltsdk.units import USDC

SYMBOL = "BTC3LA"
PRICE_USD = "60000"
FEE_BPS = 10  # mint and redeem


def deploy(project, admin, keeper, guardian, fee_recipient, depositor, manifest_file, tmp_path_factory) -> Any:
    """The oracle at 60,000, the venue (the keeper executes its orders, 50M of liquidity) and
    BTC3LA (3x long, 10 bps fees) with the keeper holding KEEPER_ROLE and 1,000 USDC for execution
    fees, the guardian GUARDIAN_ROLE, the depositor 100,000 USDC. `.manifest`: a copy of the
    deployment's manifest with BTC3LA added."""
    manifest = json.loads(Path(manifest_file).read_text())
    usdc = project.MockUSDC.at(manifest["collateral"])
    oracle, venue, token = deploy_async_btc3l(
        project, admin, usdc, keeper, fee_recipient, name="BTC 3x Long (async)", symbol=SYMBOL, fee_bps=FEE_BPS
    )
    token.grantRole(token.KEEPER_ROLE(), keeper, sender=admin)
    token.grantRole(token.GUARDIAN_ROLE(), guardian, sender=admin)
    usdc.mint(keeper, 1_000 * USDC, sender=keeper)
    usdc.mint(depositor, 100_000 * USDC, sender=depositor)
    manifest["tokens"][SYMBOL] = {"address": token.address}
    path = tmp_path_factory.mktemp("async") / "local.json"
    path.write_text(json.dumps(manifest))
    return SimpleNamespace(usdc=usdc, oracle=oracle, venue=venue, token=token, manifest=path, admin=admin)


def repost_price(stack, usd: str = PRICE_USD) -> None:
    """A new oracle round (fresh, and later than any order's), at `usd` (default: 60,000)."""
    stack.oracle.set_price(oracle_usd(usd), sender=stack.admin)


def fill_round(stack, keeper, usd: str = PRICE_USD) -> int:
    """The venue keeper fills the round's order in flight (its payout order, if paying) at a new
    oracle round at `usd`; the order id."""
    order_id = stack.token.rounds(stack.token.flight_round()).order_id
    repost_price(stack, usd)
    stack.venue.execute_order(order_id, sender=keeper)
    return order_id
