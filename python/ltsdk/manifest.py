"""Deployment manifests (PROTOCOL.md §4a): where one is found, what it must hold, and one built from
addresses alone. Nothing here depends on where the package is installed."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from web3 import Web3

from ltsdk.errors import BadManifest

DEPLOYMENTS_ENV = "LT_DEPLOYMENTS"  # a folder of <network>.json manifests
REQUIRED = ("collateral", "lens", "tokens")

_ADDRESS = {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}
# the manifest's JSON Schema, for readers outside Python (`make abis` writes it next to the ABIs)
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Leveraged-token deployment manifest (PROTOCOL.md 4a)",
    "type": "object",
    "required": list(REQUIRED),
    "properties": {
        "chain_id": {"type": "integer"},
        "network": {"type": "string"},
        "block": {"type": "integer", "description": "the block the deployment finished in"},
        "collateral": _ADDRESS,
        "factory": _ADDRESS,
        "configurator": {**_ADDRESS, "description": "LeveragedTokenConfigurator: every token's parameter setters"},
        "lens": _ADDRESS,
        "markets": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["oracle", "adapter"],
                "properties": {"oracle": _ADDRESS, "adapter": _ADDRESS},
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
