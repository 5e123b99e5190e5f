"""Every exception the package raises: the typed reverts with the one table that maps the contracts'
revert strings to them, the SDK's own (manifest, signer, token lookup), the keeper's RPC outage
and the reference model's revert.

Each class also inherits the built-in exception a Python caller would expect: bad input is a
`ValueError`, a state that forbids the call right now is a `RuntimeError`, a missing role is a
`PermissionError`.
"""

from __future__ import annotations


class LtError(Exception):
    """A leveraged-token call failed; `reason` is the contract's revert string (if any)."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason


class ZeroAmount(LtError, ValueError):
    """An amount was zero, or too small to mint a share."""


class Expired(LtError, ValueError):
    """The deadline has passed."""


class SlippageExceeded(LtError, ValueError):
    """The result would be worse than the caller's bound (min out / max in), or than the fund's
    price limit on the venue."""


class BadReceiver(LtError, ValueError):
    """The receiver is not an address, or is the zero address or the token itself."""


class InsufficientBalance(LtError, ValueError):
    """The owner holds fewer shares (or collateral) than the call needs."""


class InsufficientAllowance(LtError, ValueError):
    """The caller may not spend that much of the owner's shares (or collateral)."""


class FirstDepositTooSmall(LtError, ValueError):
    """The first mint must add at least one whole collateral unit."""


class CapReached(LtError, ValueError):
    """The mint would take NAV past max_total_assets."""


class OutOfBounds(LtError, ValueError):
    """A parameter or split factor is outside its hard bounds."""


class InvalidSignature(LtError, ValueError):
    """The permit's signature is not the owner's (or was already used)."""


class StalePrice(LtError, RuntimeError):
    """The oracle price is too old, non-positive or from an incomplete round."""


class Paused(LtError, RuntimeError):
    """Minting is paused (redeeming is not); on an asynchronous token, new requests are (cancels,
    rounds and claims go on)."""


class Shutdown(LtError, RuntimeError):
    """The token is in emergency shutdown: no mint, no rebalance."""


class Insolvent(LtError, RuntimeError):
    """NAV is zero or negative."""


class NotNeeded(LtError, RuntimeError):
    """No rebalance, ripcord or split is due; an asynchronous token's open round has no request to close."""


class Cooldown(LtError, RuntimeError):
    """The TWAP cooldown since the last rebalance has not passed."""


class NoConvergence(LtError, RuntimeError):
    """The exact-output search did not converge (a pathological venue quote)."""


class VenueError(LtError, RuntimeError):
    """The perp venue refused (paused, liquidity, slippage, margin, max leverage, stale price)."""


class ChangeAlreadyQueued(LtError, RuntimeError):
    """The same parameter change is already waiting in the configurator's queue."""


class UnknownChange(LtError, ValueError):
    """No parameter change is queued under that id (never queued, executed or cancelled)."""


class ChangeTooEarly(LtError, RuntimeError):
    """The queued parameter change's delay has not passed yet."""


class ChangeExpired(LtError, RuntimeError):
    """The queued parameter change was not executed within its window after the delay: queue it again."""


class BadProduct(LtError, ValueError):
    """The factory refused: a leverage outside 2..9, an empty underlying, a venue whose market is
    not "{UNDERLYING}-PERP", a symbol already registered, a zero admin or blueprint, or a token
    to retire that is not active."""


class HasHolders(LtError, RuntimeError):
    """The token has holders: its parameters change one group at a time, through the queue."""


class Unauthorized(LtError, PermissionError):
    """The caller lacks the role the call needs."""


class NotOperator(Unauthorized):
    """An asynchronous token's request, cancel or claim for a controller (or from an owner) that
    is not the caller and has not made the caller its operator (ERC-7540's setOperator)."""


# ---------------------------------------------------------------- the asynchronous token (ERC-7540)


class WrongKind(LtError, ValueError):
    """A call for the other kind of token: a synchronous call (a slippage-bounded deposit, a
    preview, a rebalance) on an asynchronous (ERC-7540) token, a request or claim on a
    synchronous one, or an asynchronous token over a venue that is not asynchronous."""


class BelowMinRequest(LtError, ValueError):
    """A request under the token's least request (min_deposit_assets / min_redeem_shares)."""


class RequestPending(LtError, RuntimeError):
    """The controller's request of that side is in a round in flight: a new one waits for its
    settlement (one pending request per controller and side)."""


class InFlight(LtError, RuntimeError):
    """The request is in the round in flight (its order is at the venue): it can no longer be
    cancelled; or a round is in flight, so the next cannot close yet."""


class NothingClaimable(LtError, ValueError):
    """A claim of nothing, or of more than the controller's settled requests hold."""


class NotDue(LtError, RuntimeError):
    """The open round may not close yet (round_interval since the last close has not passed)."""


class OrderPending(LtError, RuntimeError):
    """The round's venue order is neither filled nor refused nor expired yet: nothing to settle."""


class NoRound(LtError, RuntimeError):
    """No round is in flight: nothing to settle."""


class TransactionFailed(LtError, RuntimeError):
    """A revert with no reason the SDK knows."""


class MinedRevert(TransactionFailed):
    """A sent transaction that was mined and reverted: its nonce is spent."""


# ---------------------------------------------------------------- the SDK's own


class UnknownToken(LtError, ValueError):
    """No token with that symbol in the manifest."""


class NoSigner(LtError, RuntimeError):
    """A write needs an account (pass `account=` or set LT_PRIVATE_KEY)."""


class BadManifest(LtError, ValueError):
    """The manifest file is missing or not in PROTOCOL.md §4a format."""


class WrongChain(BadManifest):
    """The manifest's `chain_id` is not the chain id of the node the client talks to."""


class NotDeployed(BadManifest):
    """The manifest's lens has no code on the node (e.g. a local node restarted empty)."""


class BadArgument(LtError, ValueError):
    """An argument refused before anything is sent or run: a slippage outside 0..10,000 bps, an
    owner that is not an address, a value the ABI cannot encode, a backtest over no time."""


class BadAccount(LtError, ValueError):
    """LT_PRIVATE_KEY or LT_KEYSTORE (with LT_KEYSTORE_PASSWORD) does not give an account; the
    message names the variable and never repeats its value."""


class RpcUnavailable(RuntimeError):
    """The node did not answer after every retry (the keeper's)."""


class ModelRevert(ValueError):
    """The reference model (ltsdk.math, ltsdk.replica): the contract would revert with this reason."""


# The contracts' revert strings (the docstrings of LeveragedToken.vy, LeveragedTokenAsync.vy and
# LeveragedTokenConfigurator.vy list them) -> exception class.
REVERTS: dict[str, type[LtError]] = {
    "lt: zero": ZeroAmount,
    "lt: zero shares": ZeroAmount,
    "lt: expired": Expired,
    "lt: slippage": SlippageExceeded,
    "lt: paused": Paused,
    "lt: shutdown": Shutdown,
    "lt: cap": CapReached,
    "lt: stale price": StalePrice,
    "lt: insolvent": Insolvent,
    "lt: receiver": BadReceiver,
    "lt: balance": InsufficientBalance,
    "lt: allowance": InsufficientAllowance,
    "lt: first deposit": FirstDepositTooSmall,
    "lt: bounds": OutOfBounds,
    "lt: not needed": NotNeeded,
    "lt: cooldown": Cooldown,
    "lt: signature": InvalidSignature,
    "lt: no convergence": NoConvergence,
    # LeveragedTokenAsync.vy's own (its docstring lists every string it reverts with)
    "lt: min request": BelowMinRequest,
    "lt: not operator": NotOperator,
    "lt: request pending": RequestPending,
    "lt: in flight": InFlight,
    "lt: not due": NotDue,
    "lt: order pending": OrderPending,
    "lt: no round": NoRound,
    "lt: claimable": NothingClaimable,
    "lt: not async": WrongKind,
    "lt: async": WrongKind,
    "lt: configurator": Unauthorized,
    "configurator: bounds": OutOfBounds,
    "configurator: zero": OutOfBounds,
    "configurator: queued": ChangeAlreadyQueued,
    "configurator: unknown": UnknownChange,
    "configurator: too early": ChangeTooEarly,
    "configurator: expired": ChangeExpired,
    "factory: admin": BadProduct,
    "factory: underlying": BadProduct,
    "factory: leverage": BadProduct,
    "factory: market": BadProduct,
    "factory: exists": BadProduct,
    "factory: blueprint": BadProduct,
    "factory: not active": BadProduct,
    "factory: collateral": BadProduct,
    "factory: nav": BadProduct,
    "factory: decimals": BadProduct,
    "factory: cap": BadProduct,  # a cap for a token on an async venue, which has none
    "factory: fee recipient": BadProduct,
    "configurator: has holders": HasHolders,
    "access_control: account is missing role": Unauthorized,
    "usdc: insufficient balance": InsufficientBalance,
    "usdc: insufficient allowance": InsufficientAllowance,
    "venue: stale price": StalePrice,
    "venue: slippage": SlippageExceeded,
}


def from_revert(reason: str | None) -> LtError:
    """The typed exception for a revert reason (any "venue: ..." not listed is a VenueError)."""
    reason = (reason or "").strip()
    cls = REVERTS.get(reason)
    if cls is None:
        cls = VenueError if reason.startswith("venue: ") else TransactionFailed
    return cls(reason or "transaction reverted without a reason", reason or None)
