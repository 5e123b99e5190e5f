"""EIP-2612 permits for leveraged tokens: the typed data and its signature.

The token's EIP-712 domain is {name: token name, version: "1", chainId, verifyingContract: token,
salt: share_epoch << 240 | base_per_share as bytes32, which is base_per_share in epoch 0}. The salt
names the share unit `value` is counted in, so a split or reverse split after signing invalidates
the signature (docs/protocol.md, splits): read `base_per_share()` and `share_epoch()` when signing
and sign again after a split.
"""

from __future__ import annotations

from typing import Any

from eth_account.messages import encode_typed_data

SHARE_EPOCH_SHIFT = 240  # share_ledger.vy's EPOCH_SHIFT: the scale word is epoch << 240 | base_per_share
PERMIT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
        {"name": "salt", "type": "bytes32"},
    ],
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


def permit_typed_data(
    token_name: str,
    chain_id: int,
    token: str,
    owner: str,
    spender: str,
    value: int,
    nonce: int,
    deadline: int,
    *,
    base_per_share: int | None,
    share_epoch: int = 0,
) -> dict[str, Any]:
    """The full EIP-712 message a wallet signs for `permit`; `base_per_share` and `share_epoch` are
    the token's `base_per_share()` and `share_epoch()` now (the share unit `value` is counted in),
    or None for a plain EIP-2612 token whose domain has no salt (e.g. the benchmark's reference
    vault)."""
    domain: dict[str, Any] = {"name": token_name, "version": "1", "chainId": chain_id, "verifyingContract": token}
    types = PERMIT_TYPES
    if base_per_share is None:
        types = {**PERMIT_TYPES, "EIP712Domain": [f for f in PERMIT_TYPES["EIP712Domain"] if f["name"] != "salt"]}
    else:
        domain["salt"] = (share_epoch << SHARE_EPOCH_SHIFT | base_per_share).to_bytes(32, "big")
    return {
        "types": types,
        "primaryType": "Permit",
        "domain": domain,
        "message": {"owner": owner, "spender": spender, "value": value, "nonce": nonce, "deadline": deadline},
    }


def sign_permit(signer, typed_data: dict[str, Any]) -> tuple[int, bytes, bytes]:
    """(v, r, s) of an eth_account LocalAccount's signature over `typed_data`, as `permit` takes them."""
    signed = signer.sign_message(encode_typed_data(full_message=typed_data))
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
