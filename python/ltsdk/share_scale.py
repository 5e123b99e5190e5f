"""The share ledger's scale (contracts/share_ledger.vy) off chain: its constants, what a split does to
base_per_share, and how base units cross a scale epoch, exactly as the ledger computes them.

Units: shares in wei; base units = shares x base_per_share, counted in the epoch they were written
in. A reverse split that would lift base_per_share above MAX_BASE_PER_SHARE starts the next epoch
at INITIAL_BASE_PER_SHARE; base units of the old epoch, which ended at scale `final`, are then
floor(base x INITIAL / final) of the new one. A slot the ledger last wrote STALE_EPOCHS_READ_ZERO
or more epochs ago reads 0 (below one share wei when it went that stale: docs/protocol.md).
"""

from __future__ import annotations

INITIAL_BASE_PER_SHARE = 10**24 * 2**3 * 3**2 * 7  # the scale at deployment and at each epoch start
MAX_BASE_PER_SHARE = 10**42  # a reverse split past it starts the next scale epoch
STALE_EPOCHS_READ_ZERO = 3  # a slot this many epochs old reads 0 (the ledger converts at most two)


def rescale(scale: int, factor: int, is_reverse: bool) -> tuple[int, int | None]:
    """share_ledger._rescale on base_per_share alone -> (the scale after, the old epoch's final
    scale if this reverse split started a new epoch, else None). Assumes the split was accepted."""
    if not is_reverse:
        return scale // factor, None
    scale *= factor
    if scale > MAX_BASE_PER_SHARE:
        return INITIAL_BASE_PER_SHARE, scale
    return scale, None


def convert(base: int, final: int) -> int:
    """share_ledger._convert: base units of an epoch that ended at scale `final`, in the next one's."""
    return base * INITIAL_BASE_PER_SHARE // final


def cross_epoch(base: int, stale: int, final: int) -> tuple[int, int]:
    """A balance slot across one epoch start -> (its base units in the new epoch, its staleness):
    `stale` counts the epochs started since the ledger last wrote the slot (0 when current). What
    share_ledger._current_base reads for that slot, step by step: converted while at most two
    epochs old, 0 from the third."""
    stale += 1
    if stale >= STALE_EPOCHS_READ_ZERO:
        return 0, stale
    return convert(base, final), stale
