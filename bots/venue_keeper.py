"""The venue keeper as a Silverback bot: one tick of ltsdk.venue_keeper per new block (wiring only;
the logic is the same as `ltsdk venue-keeper`'s):

    LT_VENUE=0xVENUE LT_PRIVATE_KEY=0x... silverback run bots.venue_keeper:bot --network ethereum:local:foundry

Environment:
    LT_VENUE          the asynchronous venue's address (a MockAsyncPerpVenue)
    LT_PRIVATE_KEY    one of its order keepers' keys (or LT_KEYSTORE with LT_KEYSTORE_PASSWORD)
    LT_VENUE_SHARD    I/N when N keepers split the venue's orders, each with a key and a bot of its
                      own (default 0/1: this one keeps every order)
    LT_RPC_URL        the node to send through (default: the bot's provider)
    APE_FOUNDRY_HOST  on a local network, the node to keep (the bot refuses to keep one it started)

A mistake in any of them stops the bot before it starts, with one line and exit status 2. The
ticks run one at a time (a lock), so a block that arrives during a tick is skipped, not doubled.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from os import environ
from typing import NoReturn

from eth_account.signers.local import LocalAccount
from web3 import Web3

from bots import startup
from ltsdk.client import account_from_env
from ltsdk.errors import BadAccount
from ltsdk.venue_keeper import VenueKeeper, VenuePolicy, parse_shard

NAME = "venue keeper bot"  # how its start-up mistakes begin


def refuse(message: str) -> NoReturn:
    startup.refuse(NAME, message)


def signer_from_env() -> LocalAccount:
    try:
        account = account_from_env()
    except BadAccount as exc:
        refuse(str(exc))
    if account is None:
        refuse("the venue keeper sends transactions: set LT_PRIVATE_KEY, or LT_KEYSTORE and LT_KEYSTORE_PASSWORD")
    return account


def shard_from_env() -> tuple[int, int]:
    try:
        return parse_shard(environ.get("LT_VENUE_SHARD", "0/1"))
    except ValueError as exc:
        refuse(f"LT_VENUE_SHARD: {exc}")


VENUE = environ.get("LT_VENUE", "")
if not Web3.is_address(VENUE):
    refuse(f"LT_VENUE must be the venue's 0x-prefixed 20-byte address, got {VENUE!r}")
SIGNER = signer_from_env()
SHARD, SHARDS = shard_from_env()

# ape and silverback after the checks: importing them connects to the network
from ape import chain  # noqa: E402
from silverback import SilverbackBot  # noqa: E402

startup.log_to_stdout("ltsdk.venue_keeper")
bot = SilverbackBot()
startup.check_node(NAME, bot.provider)
_made = threading.Lock()
_ticking = threading.Lock()
_keeper: list[VenueKeeper] = []  # made on first use


def keeper() -> VenueKeeper:
    with _made:
        if not _keeper:
            w3 = Web3(Web3.HTTPProvider(environ.get("LT_RPC_URL") or bot.provider.http_uri))
            _keeper.append(VenueKeeper(w3, VENUE, SIGNER, VenuePolicy(shards=SHARDS, shard=SHARD)))
        return _keeper[0]


def keep() -> dict[str, int]:
    """One tick, unless one is running; counts by outcome status (Silverback records them)."""
    if not _ticking.acquire(blocking=False):
        return {"busy": 1}
    try:
        return dict(Counter(outcome.status for outcome in keeper().tick()))
    finally:
        _ticking.release()


@bot.on_(chain.blocks)
async def keep_venue(block):
    return await asyncio.to_thread(keep)  # a thread: the worker's loop stays free
