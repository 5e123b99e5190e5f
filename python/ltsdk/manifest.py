"""Deployment manifests (PROTOCOL.md §4a): where one is found, what it must hold, and one built from
addresses alone. Nothing here depends on where the package is installed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from web3 import Web3

from ltsdk.errors import BadManifest, NotDeployed, WrongChain

DEPLOYMENTS_ENV = "LT_DEPLOYMENTS"  # a folder of <network>.json manifests
REQUIRED = ("collateral", "lens", "tokens")

_ADDRESS = {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}
# a venue's kind (its is_async()) and so its tokens': "sync" (LeveragedToken) or "async"
# (LeveragedTokenAsync); a market or token without one (a manifest from before) is "sync"
SYNC, ASYNC = "sync", "async"
KINDS = (SYNC, ASYNC)
_KIND = {"enum": list(KINDS), "description": "sync (LeveragedToken) or async (LeveragedTokenAsync, ERC-7540)"}
# the manifest's JSON Schema, for readers outside Python (`make abis` writes it next to the ABIs)
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Leveraged-token deployment manifest (PROTOCOL.md 4a)",
    "type": "object",
    "required": list(REQUIRED),
    "properties": {
        "chain_id": {"type": "integer", "description": "checked against the node's before the first request"},
        "network": {"type": "string", "description": "ecosystem:network (e.g. ethereum:sepolia), never an RPC URL"},
        "block": {"type": "integer", "description": "the block the deployment finished in"},
        "partial": {"type": "boolean", "description": "present while a deployment is unfinished (re-run it)"},
        "collateral": _ADDRESS,
        "factory": _ADDRESS,
        "configurator": {**_ADDRESS, "description": "LeveragedTokenConfigurator: every token's parameter setters"},
        "lens": _ADDRESS,
        "views": {**_ADDRESS, "description": "LeveragedTokenViews, shared by every token"},
        "blueprint": {**_ADDRESS, "description": "the EIP-5202 blueprint the factory creates sync tokens from"},
        "async_blueprint": {
            **_ADDRESS,
            "description": "the EIP-5202 blueprint the factory creates async tokens (LeveragedTokenAsync) from",
        },
        "async_round_math": {
            **_ADDRESS,
            "description": "AsyncRoundMath: the round formulas every async token calls",
        },
        "markets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["oracle", "adapter"],
                "properties": {"oracle": _ADDRESS, "adapter": _ADDRESS, "kind": _KIND},
            },
        },
        "tokens": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["address"],
                "properties": {
                    "address": _ADDRESS,
                    "market": {"type": "string"},
                    "leverage": {"type": "integer"},
                    "is_long": {"type": "boolean"},
                    "kind": _KIND,
                },
            },
        },
    },
}


def search_dirs() -> list[Path]:
    """Where a network name is looked up, in order: $LT_DEPLOYMENTS, then ./deployments."""
    dirs = []
    if configured := os.environ.get(DEPLOYMENTS_ENV):
        dirs.append(Path(configured))
    dirs.append(Path.cwd() / "deployments")
    return dirs


def resolve(path_or_network: str | Path) -> Path:
    """A manifest's path: `path_or_network` itself if it names a file (it has a suffix or exists),
    else `<network>.json` in the first of `search_dirs()` that has it."""
    path = Path(path_or_network)
    if path.suffix or path.exists():
        return path
    candidates = [folder / f"{path_or_network}.json" for folder in search_dirs()]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise BadManifest(
        f"no manifest for network {str(path_or_network)!r} (tried {tried}); pass a path or set {DEPLOYMENTS_ENV}"
    )


def validate(manifest: Any, source: str = "manifest") -> dict[str, Any]:
    """`manifest` if it has what the SDK reads (collateral, lens, tokens with addresses)."""
    if not isinstance(manifest, dict):
        raise BadManifest(f"{source} is not a JSON object")
    if manifest.get("partial"):
        raise BadManifest(f"{source} is an unfinished deployment: re-run the deploy to complete it")
    for key in REQUIRED:
        if key not in manifest:
            raise BadManifest(f"{source} has no {key!r}")
    tokens = manifest["tokens"]
    if not isinstance(tokens, dict) or not all(
        isinstance(entry, dict) and "address" in entry for entry in tokens.values()
    ):
        raise BadManifest(f"{source}: 'tokens' must map each symbol to an object with an 'address'")
    return manifest


def load(path_or_network: str | Path) -> dict[str, Any]:
    """A path to a manifest, or a network name ("local" -> deployments/local.json, see `resolve`)."""
    path = resolve(path_or_network)
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BadManifest(f"cannot read manifest {path}: {exc}") from None
    return validate(manifest, f"manifest {path}")


def from_addresses(lens: str, collateral: str, tokens: dict[str, str], **extra: Any) -> dict[str, Any]:
    """A manifest for a deployment known only by its addresses (`tokens`: symbol -> address)."""
    manifest = {
        "collateral": Web3.to_checksum_address(collateral),
        "lens": Web3.to_checksum_address(lens),
        "tokens": {symbol: {"address": Web3.to_checksum_address(address)} for symbol, address in tokens.items()},
        **extra,
    }
    return validate(manifest, "addresses")


def check_chain(manifest: dict[str, Any], chain_id: int, lens_code: bytes) -> None:
    """Raise `WrongChain` unless the node (`chain_id`) is the manifest's chain (a manifest without
    `chain_id`, e.g. from addresses alone, fits any), and `NotDeployed` if its lens has no code."""
    expected = manifest.get("chain_id")
    if expected is not None and expected != chain_id:
        network = f" ({manifest['network']})" if manifest.get("network") else ""
        raise WrongChain(
            f"the manifest is for chain {expected}{network} but the node is chain {chain_id}: "
            "use this chain's manifest or that chain's RPC"
        )
    if not lens_code:
        raise NotDeployed(
            f"no contract at the manifest's lens {manifest['lens']} on chain {chain_id}: the node has not this "
            "deployment (a restarted local node? `make node`, then `make deploy`)"
        )
