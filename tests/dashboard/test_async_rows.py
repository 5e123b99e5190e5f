"""The token table's status for an asynchronous token's row (plans.async_row, kind "async"): its
rounds, not a band or a rebalance status, which it has none of (ltsdk.dashboard.pages); and no
sync quote formula takes such a row (its quotes are the round model's estimates)."""

import dataclasses

import pytest

from ltsdk import errors, quote
from ltsdk.codes import TokenKind
from ltsdk.dashboard import pages
from ltsdk.types import TokenState
from ltsdk.units import MAX_UINT256, USDC, WAD

ZEROS = {
    f.name: 0 for f in dataclasses.fields(TokenState) if f.name not in ("symbol", "token", "asset_decimals", "kind")
}
ROW = TokenState(
    **{
        **ZEROS,
        "symbol": "BTC3LA",
        "token": "0x" + "11" * 20,
        "ok": True,
        "supply": 10**21,
        "nav": 100_000 * USDC,
        "price": 60_000 * WAD,
        "oracle_fresh": True,
        "leverage": 31 * WAD // 10,
        "target_leverage": 3 * WAD,
        "next_slot": 1_700_000_000,
        "max_total_assets": MAX_UINT256,
    },
    kind=TokenKind.ASYNC.value,
)


def test_status_reason__async_row__rounds_and_its_drifting_leverage_not_a_band():
    status, why = pages.status_reason(ROW)
    assert status == "rounds"
    assert "requests settle in rounds" in why and "3.100x" in why and "band" not in why


def test_status_reason__async_row_paused_empty_or_stale__said_so():
    assert pages.status_reason(dataclasses.replace(ROW, paused=True))[0] == "paused"
    assert pages.status_reason(dataclasses.replace(ROW, supply=0))[0] == "empty"
    assert pages.status_reason(dataclasses.replace(ROW, oracle_fresh=False))[0] == "stale"


def test_status_reason__same_row_as_a_sync_token__band_status_as_before():
    status, why = pages.status_reason(dataclasses.replace(ROW, kind=TokenKind.SYNC.value))
    assert status == "none" and "within its band" in why


def test_sync_quote_formulas__async_row__refused_for_the_round_models_estimates():
    with pytest.raises(errors.WrongKind, match="estimate_deposit"):
        quote.mint_breakdown(ROW, 1_000 * USDC, 10**18)
