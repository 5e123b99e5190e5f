"""The one deployment routine (ltsdk.deploy.deploy_protocol) over its titanoboa backend: every
product of deployments/products.json is created through the factory from the token blueprint,
wired to the shared views contract and configurator, gets its own band when the products file
gives one, and the roles land where the routine says. The ape backend runs the same routine for
every ape test (tests/conftest.py) and the lens tests check its manifest.
"""

from __future__ import annotations

import boa

from fuzz.chain import ZERO_ADDRESS
from ltsdk.deploy import BoaBackend, deploy_protocol, load_products, token_symbol
from ltsdk.units import USDC, WAD

DEFAULT_BAND_BPS = 2_000  # the token constructor's
BLUEPRINT_PREAMBLE = bytes.fromhex("fe7100")  # EIP-5202, version 0, no data section


def test_deploy_protocol__boa_backend__every_product_wired_banded_and_roled():
    products = load_products()
    admin, keeper, guardian, fee_recipient = (boa.env.generate_address(r) for r in ("a", "k", "g", "f"))
    with boa.env.anchor():
        deployed = deploy_protocol(
            BoaBackend(admin), products, fee_recipient=fee_recipient, keeper=keeper, guardian=guardian
        )
        c = deployed["contracts"]
        factory, configurator, views = c["factory"], c["configurator"], c["views"]

        assert boa.env.get_code(factory.token_blueprint()).startswith(BLUEPRINT_PREAMBLE)
        assert factory.configurator() == configurator.address and factory.views() == views.address
        expected = [token_symbol(t["underlying"], t["leverage"], t["is_long"]) for t in products["tokens"]]
        assert list(deployed["tokens"]) == expected
        assert list(factory.all_tokens()) == [deployed["tokens"][symbol]["address"] for symbol in expected]
        cap = int(products["max_total_assets_usd"]) * USDC
        for spec in products["tokens"]:
            token = c["tokens"][token_symbol(spec["underlying"], spec["leverage"], spec["is_long"])]
            assert token.configurator() == configurator.address and token.views() == views.address
            assert token.adapter() == deployed["markets"][spec["underlying"]]["adapter"]
            assert (token.target_leverage(), token.is_long()) == (spec["leverage"] * WAD, spec["is_long"])
            assert token.band_bps() == spec.get("band_bps", DEFAULT_BAND_BPS)
            assert token.ripcord_leverage() == spec["leverage"] * WAD * 3 // 2
            assert (token.fee_recipient(), token.max_total_assets()) == (fee_recipient, cap)
            assert token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin)
            assert token.hasRole(token.KEEPER_ROLE(), keeper) and token.hasRole(token.GUARDIAN_ROLE(), guardian)
            assert not token.hasRole(token.DEFAULT_ADMIN_ROLE(), factory.address)
        assert deployed["configurator"] == configurator.address != ZERO_ADDRESS


def test_deploy_protocol__async_venues__every_product_an_async_token_with_its_kind_recorded():
    """venue_kind="async": MockAsyncPerpVenue per market, so the factory makes every product a
    LeveragedTokenAsync; the keeper gets the token's KEEPER_ROLE and each venue's order keeper role."""
    products = load_products()
    admin, keeper, guardian, fee_recipient = (boa.env.generate_address(r) for r in ("a", "k", "g", "f"))
    with boa.env.anchor():
        deployed = deploy_protocol(
            BoaBackend(admin),
            products,
            fee_recipient=fee_recipient,
            keeper=keeper,
            guardian=guardian,
            venue_kind="async",
        )
        c = deployed["contracts"]
        factory = c["factory"]

        assert boa.env.get_code(factory.async_token_blueprint()).startswith(BLUEPRINT_PREAMBLE)
        assert {market["kind"] for market in deployed["markets"].values()} == {"async"}
        for name, market in c["markets"].items():
            assert market["adapter"].is_async() and market["adapter"].is_order_keeper(keeper), name
        for symbol, entry in deployed["tokens"].items():
            token = c["tokens"][symbol]
            assert entry["kind"] == "async" and factory.is_async_token(token.address)
            assert token.venue() == deployed["markets"][entry["market"]]["adapter"]
            assert (token.target_leverage(), token.fee_recipient()) == (entry["leverage"] * WAD, fee_recipient)
            assert token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin)
            assert token.hasRole(token.KEEPER_ROLE(), keeper) and token.hasRole(token.GUARDIAN_ROLE(), guardian)
            assert not token.hasRole(token.DEFAULT_ADMIN_ROLE(), factory.address)
