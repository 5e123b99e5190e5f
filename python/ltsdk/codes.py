"""The protocol's and the keeper's enumerations in one place: rebalance reasons (lt_math.vy's codes),
keeper action kinds and keeper outcome statuses, a token's kind, an asynchronous token's round
status and its venue's order status."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Reason(IntEnum):
    """rebalance_status()'s reason code (lt_math.vy), as the lens and the token return it."""

    NONE = 0
    SCHEDULED = 1
    BAND = 2
    CHUNK = 3
    RIPCORD = 4
    IN_FLIGHT = 5  # an asynchronous token's round order is at the venue: no second order

    @property
    def label(self) -> str:
        """The lower-case name logs, metrics and reports use ("scheduled", "band", ...)."""
        return self.name.lower()


def reason_name(code: int) -> str:
    """The label of a reason code; an unknown code prints as its number."""
    try:
        return Reason(code).label
    except ValueError:
        return str(code)


class ActionKind(StrEnum):
    """The one call a keeper action makes on a token."""

    REBALANCE = "rebalance"
    RIPCORD = "ripcord"
    SPLIT = "split"
    FLAG = "flag"
    SHUTDOWN = "shutdown"  # emergency_shutdown(): the next chunk of a shutdown the admin started
    # an asynchronous token (LeveragedTokenAsync): its rounds, and the allowance the closer's fee needs
    CLOSE_ROUND = "close_round"  # close_round(): the open round's requests netted into one venue order
    SETTLE = "settle"  # settle(): act on the venue's answer to the round in flight (fill, refusal, expiry, payout)
    APPROVE = "approve"  # the collateral's approve(token, max): the token pulls the execution fees the keeper fronts


class Status(StrEnum):
    """What one keeper tick did with one token's action (`keeper.Outcome.status`)."""

    SENT = "sent"  # broadcast, not yet confirmed (never returned from a tick)
    MINED = "mined"
    REVERTED = "reverted"
    NOOP = "noop"  # the simulation said the state moved on (not needed, cooldown)
    FAILED = "failed"
    DRY_RUN = "dry_run"
    BACKING_OFF = "backing_off"
    PENDING = "pending"  # still unmined when the tick ended
    REPLACED = "replaced"  # its nonce was taken by another transaction


class TokenKind(StrEnum):
    """How a token mints and redeems: at once (LeveragedToken.vy, a synchronous venue) or by
    ERC-7540 requests settled in rounds (LeveragedTokenAsync.vy, a venue whose orders fill later)."""

    SYNC = "sync"
    ASYNC = "async"


class RoundStatus(IntEnum):
    """An asynchronous token's Round.status (LeveragedTokenAsync.vy's OPEN ... SETTLED)."""

    OPEN = 0  # collects requests
    IN_FLIGHT = 1  # its one order is at the venue
    PAYING = 2  # deposits settled; a payout order withdraws the redeemers' rest
    SETTLED = 3

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


class OrderStatus(IntEnum):
    """An asynchronous venue's Order.status (IAsyncPerpVenue.vyi; ltsdk.replica.async_venue's
    constants, which a test holds equal)."""

    NONE = 0  # no such order
    PENDING = 1
    FILLED = 2
    REFUSED = 3
    CANCELLED = 4
    EXPIRED = 5

    @property
    def label(self) -> str:
        return self.name.lower()
