"""The keeper as a Silverback bot, for operators who scale out with Redis-backed workers:

    silverback run bots.keeper:bot --network ethereum:sepolia:node --account keeper

The decision logic and the runner are ltsdk.keeper's (the same as `ape run keeper`); this file
only wires them: one tick per new block, the keeper's signer from LT_PRIVATE_KEY / LT_KEYSTORE
(ltsdk.client.account_from_env), the manifest from LT_MANIFEST (default: the network's).
"""

import os

from ape import chain, networks
from silverback import SilverbackBot

from ltsdk.client import account_from_env
from ltsdk.deploy import manifest_path
from ltsdk.keeper import Keeper, Policy

bot = SilverbackBot()
KEEPER: dict[str, Keeper] = {}


def make_keeper() -> Keeper:
    network_choice = networks.provider.network_choice
    return Keeper.from_manifest(
        os.environ.get("LT_MANIFEST") or manifest_path(network_choice),
        networks.provider.http_uri,
        account_from_env(),
        Policy(poll_seconds=0),
        journal_path=os.environ.get("LT_KEEPER_JOURNAL", "out/keeper-journal.json"),
    )


@bot.on_startup()
def start(startup_state):
    KEEPER["keeper"] = make_keeper()
    return {"tokens": KEEPER["keeper"].symbols}


@bot.on_(chain.blocks)
def on_block(block):
    outcomes = KEEPER["keeper"].tick()
    return {outcome.symbol: outcome.status for outcome in outcomes}
