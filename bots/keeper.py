"""The keeper as a Silverback bot, scaled out over TaskIQ workers on Redis (wiring only; the logic
is ltsdk.keeper's, the same as `ape run keeper`):

    silverback run bots.keeper:bot --network ethereum:sepolia:node            # the runner
    silverback worker -w 2 bots.keeper:bot --network ethereum:sepolia:node    # workers, on any hosts

Environment:
    LT_PRIVATE_KEY        one or more signing keys, comma-separated (or LT_KEYSTORE: keystore files,
                          comma-separated, with LT_KEYSTORE_PASSWORD); none: a dry run
    LT_MANIFEST           the deployment manifest (default: deployments/<network>.json)
    LT_REDIS_URL          the Redis the workers share (required with any broker but the in-memory one)
    LT_KEEPER_JOURNAL     without Redis: the journal file prefix (default out/keeper-journal)
    APE_FOUNDRY_HOST      on a local network, the node to keep (the bot refuses to keep one it started)
    SILVERBACK_BROKER_CLASS=taskiq_redis:ListQueueBroker, SILVERBACK_BROKER_KWARGS='{"url": ...}',
    SILVERBACK_RESULT_BACKEND_CLASS=taskiq_redis:RedisAsyncResultBackend and its KWARGS: Silverback's

Each signing key keeps one shard of the tokens (ltsdk.keeper.shard) and is one task per block,
`keep_shard_<i>`, which any worker may take. A worker acts for a key only while it holds that
key's writer lock in Redis, reserves nonces from the key's Redis counter and reads and writes the
key's journal there, so however many workers run, each due action is sent at most once. A worker
that finds the lock held skips that block (the holder is still confirming).
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from eth_account import Account
from eth_account.signers.local import LocalAccount

from bots import startup

NAME = "keeper bot"  # how its start-up mistakes begin


def refuse(message: str) -> NoReturn:
    startup.refuse(NAME, message)


def signers_from_env() -> list[LocalAccount]:
    """Every signing key of LT_PRIVATE_KEY (comma-separated), else of LT_KEYSTORE (keystore files,
    comma-separated, one LT_KEYSTORE_PASSWORD); a mistake in either refuses to start."""
    keys = [key.strip() for key in os.environ.get("LT_PRIVATE_KEY", "").split(",") if key.strip()]
    stores = [path.strip() for path in os.environ.get("LT_KEYSTORE", "").split(",") if path.strip()]
    signers = []
    for number, key in enumerate(keys, 1):
        try:
            signers.append(Account.from_key(key))
        except (ValueError, TypeError) as exc:
            refuse(f"LT_PRIVATE_KEY key {number} is not a private key ({type(exc).__name__})")
    if keys:
        return signers
    for path in stores:
        try:
            encrypted = json.loads(Path(path).read_text())
            signers.append(Account.from_key(Account.decrypt(encrypted, os.environ.get("LT_KEYSTORE_PASSWORD", ""))))
        except FileNotFoundError:
            refuse(f"LT_KEYSTORE file {path} does not exist")
        except (ValueError, KeyError, TypeError) as exc:  # "MAC mismatch": a wrong password
            refuse(f"LT_KEYSTORE file {path} cannot be opened with LT_KEYSTORE_PASSWORD: {exc}")
    return signers


def check_redis_setting() -> str | None:
    """LT_REDIS_URL; required when the broker is not Silverback's in-memory one (several workers)."""
    url = os.environ.get("LT_REDIS_URL") or None
    broker = os.environ.get("SILVERBACK_BROKER_CLASS", "taskiq:InMemoryBroker")
    if url is None and "InMemory" not in broker:
        refuse(f"{broker} runs several workers: set LT_REDIS_URL so their keepers share one writer per key")
    return url


SIGNERS = signers_from_env()
REDIS_URL = check_redis_setting()

# ape and silverback after the checks: importing them connects to the network
from ape import chain  # noqa: E402
from silverback import SilverbackBot  # noqa: E402
from silverback.main import SharedState  # noqa: E402

from ltsdk.deploy import manifest_path  # noqa: E402
from ltsdk.errors import RpcUnavailable  # noqa: E402
from ltsdk.keeper import FileJournal, Keeper, Policy, RedisCoordination, shard  # noqa: E402
from ltsdk.manifest import load as load_manifest  # noqa: E402

startup.log_to_stdout("ltsdk.keeper")
bot = SilverbackBot()
startup.check_node(NAME, bot.provider)
SHARDS = max(len(SIGNERS), 1)  # one shard per key; a dry run has one shard and no key
_keepers: dict[int, Keeper] = {}  # this process's keepers, made on first use
_made = threading.RLock()
_local_writers = [threading.Lock() for _ in range(SHARDS)]  # without Redis: one process, one writer per key


def manifest_file() -> str:
    return os.environ.get("LT_MANIFEST") or str(manifest_path(bot.provider.network_choice))


_coordination: dict[int, RedisCoordination] = {}


def coordination(index: int) -> RedisCoordination | None:
    """Shard `index`'s lock, nonce counter and journal in Redis (one client per shard and process)."""
    if REDIS_URL is None or not SIGNERS:
        return None
    with _made:
        if index not in _coordination:
            _coordination[index] = RedisCoordination.from_url(REDIS_URL, bot.provider.chain_id, SIGNERS[index].address)
        return _coordination[index]


def make_keeper(index: int = 0) -> Keeper:
    """The keeper of shard `index`: its key, its tokens, and (with Redis) the key's shared lock,
    nonce counter and journal."""
    manifest = manifest_file()
    deployment = load_manifest(manifest)
    symbols = shard(list(deployment["tokens"]), SHARDS, index)
    signer = SIGNERS[index] if SIGNERS else None
    shared = coordination(index)
    prefix = os.environ.get("LT_KEEPER_JOURNAL", "out/keeper-journal")
    journal = shared.journal(deployment["lens"]) if shared else FileJournal(f"{prefix}-{index}.json")
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    return Keeper.from_manifest(
        manifest,
        os.environ.get("LT_RPC_URL") or bot.provider.http_uri,
        signer,
        Policy(poll_seconds=0),
        symbols=symbols,
        journal=journal,
        nonces=shared.nonces() if shared else None,
    )


def keeper_for(index: int) -> Keeper:
    with _made:
        if index not in _keepers:
            _keepers[index] = make_keeper(index)
        return _keepers[index]


@contextmanager
def writer(index: int) -> Iterator[bool]:
    """True while this worker is the only one acting for shard `index`'s key."""
    shared = coordination(index)
    if shared is not None:
        with shared.writer() as held:
            yield held
        return
    held = _local_writers[index].acquire(blocking=False)
    try:
        yield held
    finally:
        if held:
            _local_writers[index].release()


def keep_shard(index: int) -> dict[str, int]:
    """One tick of shard `index` if this worker may write for its key; counts by outcome status
    (numbers only: Silverback records them as metrics)."""
    keeper = keeper_for(index)
    with writer(index) as held:
        if not held:
            return {"busy": 1}
        keeper.reload()  # what other workers sent and journaled for this key
        try:
            outcomes = keeper.tick()
        except RpcUnavailable as exc:
            keeper.alert("rpc_unavailable", error=str(exc))
            keeper.save_journal()  # the open alert too, for the next worker
            return {"rpc_unavailable": 1}
    return dict(Counter(str(outcome.status) for outcome in outcomes))


def _block_task(index: int):
    async def task(block):
        return await asyncio.to_thread(keep_shard, index)  # a thread: the worker's loop stays free

    task.__name__ = f"keep_shard_{index}"
    return task


for _index in range(SHARDS):
    bot.on_(chain.blocks)(_block_task(_index))


@bot.on_worker_startup()
def start(state):
    """Silverback gives its state only to the worker that loads the runner's snapshot; every other
    worker would fail each block task on `bot.state`. Ours lives in Redis: give each worker one."""
    if not hasattr(bot, "state"):
        bot.state = SharedState()


@bot.on_worker_shutdown()
def stop(state):
    for keeper in _keepers.values():
        keeper.log("shutdown", reason="worker shutdown", tokens=keeper.symbols, in_flight=sorted(keeper.in_flight))
