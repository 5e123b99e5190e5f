"""ltsdk.aio: the asyncio client over AsyncWeb3 reads, previews, writes and fails as the sync one does."""

import asyncio

import pytest
from eth_account import Account

from ltsdk import errors
from ltsdk.aio import AsyncProtocol
from ltsdk.units import USDC


@pytest.fixture
def async_protocol(manifest_file, rpc_url, depositor, user_protocol):
    """The depositor's asyncio session (user_protocol funded the depositor's wallet)."""
    return AsyncProtocol.from_manifest(manifest_file, rpc_url, account=Account.from_key(depositor.private_key))


def run(protocol, scenario):
    """`scenario(protocol)` on one event loop, the provider's session closed after it."""

    async def main():
        async with protocol:
            return await scenario(protocol)

    return asyncio.run(main())


def test_states__equal_the_sync_clients(async_protocol, user_protocol):
    assert run(async_protocol, lambda protocol: protocol.states()) == user_protocol.states()


def test_deposit_and_redeem__decoded_like_the_sync_client(async_protocol, user_protocol, depositor):
    async def scenario(protocol):
        btc3l = protocol.token("BTC3L")
        preview = await btc3l.preview_deposit(1_000 * USDC)
        deposited = await btc3l.deposit(1_000 * USDC)
        held = await btc3l.balance_of(depositor.address)
        withdrawn = await btc3l.redeem(deposited.shares // 2)
        return preview, deposited, held, withdrawn

    preview, deposited, held, withdrawn = run(async_protocol, scenario)

    assert preview - preview // 10**6 <= deposited.shares <= preview
    assert deposited.owner == depositor.address and held == deposited.shares
    assert withdrawn.shares == deposited.shares // 2 and withdrawn.assets > 0
    assert user_protocol.token("BTC3L").balance_of(depositor.address) == deposited.shares - withdrawn.shares


def test_write__revert__raises_the_typed_error_before_sending(async_protocol, chain, depositor):
    nonce = chain.provider.web3.eth.get_transaction_count(depositor.address)

    async def scenario(protocol):
        btc3l = protocol.token("BTC3L")
        with pytest.raises(errors.ZeroAmount):
            await btc3l.deposit(0)
        with pytest.raises(errors.FirstDepositTooSmall):
            await btc3l.deposit(USDC // 2)
        with pytest.raises(errors.Unauthorized):
            await btc3l.split(10)

    run(async_protocol, scenario)
    assert chain.provider.web3.eth.get_transaction_count(depositor.address) == nonce


def test_from_addresses__reads_without_a_manifest_file(user_protocol, rpc_url):
    manifest = user_protocol.manifest
    tokens = {symbol: entry["address"] for symbol, entry in manifest["tokens"].items()}
    protocol = AsyncProtocol.from_addresses(manifest["lens"], manifest["collateral"], tokens, rpc_url)
    states = run(protocol, lambda protocol: protocol.states(["ETH3S"]))
    assert states["ETH3S"] == user_protocol.states(["ETH3S"])["ETH3S"]
