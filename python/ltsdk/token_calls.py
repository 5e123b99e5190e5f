"""One token's calls as plans (ltsdk.plans, ltsdk.async_plans), each signature, default and
docstring written once: `ltsdk.client.Token` runs each to its value and `ltsdk.aio.AsyncToken`
awaits it, so the two clients cannot drift apart in what they take or what they do with it.

A token is of one of two kinds (`kind()`): synchronous (LeveragedToken: deposit, mint, redeem,
withdraw at once, with previews and slippage bounds) or asynchronous (LeveragedTokenAsync,
ERC-7540: request_deposit / request_redeem into a round, cancel while it is open, claim once it
has settled; estimates instead of previews). A call for the other kind raises errors.WrongKind
before anything is sent."""

from __future__ import annotations

from typing import Any

from ltsdk import async_plans, plans, types
from ltsdk.calls import Plan
from ltsdk.codes import TokenKind
from ltsdk.plans import DEFAULT_DEADLINE_SECONDS, DEFAULT_SLIPPAGE_BPS


class TokenCalls:
    """The calls of token `symbol` of deployment `deployment` (a Protocol or an AsyncProtocol)."""

    def __init__(self, deployment: plans.Deployment, symbol: str):
        self.deployment = deployment
        self.symbol = symbol

    # ---------------------------------------------------------------- reads

    def kind(self) -> Plan[TokenKind]:
        """SYNC or ASYNC (ERC-7540), from the token's ERC-165 answer; asked once per client."""
        return plans.token_kind(self.deployment, self.symbol)

    def state(self) -> Plan[types.TokenState]:
        """The token's lens row in the latest block (a synchronous token's; an asynchronous
        token's row has ok=False: read `async_state`)."""
        return plans.token_state(self.deployment, self.symbol)

    def balance_of(self, holder: str) -> Plan[int]:
        """`holder`'s shares (18-decimal wei)."""
        return plans.balance_of(self.deployment, self.symbol, holder)

    def preview_deposit(self, assets: int) -> Plan[int]:
        return plans.view(self.deployment, self.symbol, "previewDeposit", assets)

    def preview_mint(self, shares: int) -> Plan[int]:
        return plans.view(self.deployment, self.symbol, "previewMint", shares)

    def preview_redeem(self, shares: int) -> Plan[int]:
        return plans.view(self.deployment, self.symbol, "previewRedeem", shares)

    def preview_withdraw(self, assets: int) -> Plan[int]:
        return plans.view(self.deployment, self.symbol, "previewWithdraw", assets)

    # ---------------------------------------------------------------- user writes

    def deposit(
        self,
        assets: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        min_shares: int | None = None,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> Plan[types.Deposited]:
        """Pay `assets` (collateral base units); at least `min_shares` (default: the preview just
        before sending x (1 - slippage)) or revert. Approves exactly `assets` if the allowance is
        short (`approve_max`: the maximum)."""
        return plans.deposit(
            self.deployment,
            self.symbol,
            assets,
            receiver,
            slippage_bps,
            deadline_seconds,
            tx_kwargs,
            min_shares,
            approve_max,
        )

    def mint(
        self,
        shares: int,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> Plan[types.Deposited]:
        """Mint exactly `shares`, paying at most preview x (1 + slippage)."""
        return plans.mint(
            self.deployment, self.symbol, shares, receiver, slippage_bps, deadline_seconds, tx_kwargs, approve_max
        )

    def redeem(
        self,
        shares: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        min_assets: int | None = None,
        **tx_kwargs: Any,
    ) -> Plan[types.Withdrawn]:
        """Burn `shares`; at least `min_assets` (default: the preview x (1 - slippage)) or revert."""
        return plans.redeem(
            self.deployment, self.symbol, shares, receiver, owner, slippage_bps, deadline_seconds, tx_kwargs, min_assets
        )

    def withdraw(
        self,
        assets: int,
        receiver: str | None = None,
        owner: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
        **tx_kwargs: Any,
    ) -> Plan[types.Withdrawn]:
        """Receive exactly `assets`, burning at most preview x (1 + slippage) shares."""
        return plans.withdraw(
            self.deployment, self.symbol, assets, receiver, owner, slippage_bps, deadline_seconds, tx_kwargs
        )

    # ---------------------------------------------------------------- for a wallet outside the SDK

    def deposit_transactions(
        self,
        assets: int,
        sender: str,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
    ) -> Plan[types.WalletPlan]:
        """What `sender`'s own wallet (a browser's) sends to pay `assets`: the approval if the
        allowance is short, then the bounded deposit, with their exact quote. Checked as `deposit`
        checks; nothing is signed or sent here."""
        args = (assets, sender, receiver, slippage_bps, deadline_seconds)
        return plans.wallet_deposit(self.deployment, self.symbol, *args)

    def redeem_transactions(
        self,
        shares: int,
        sender: str,
        receiver: str | None = None,
        slippage_bps: int = DEFAULT_SLIPPAGE_BPS,
        deadline_seconds: int = DEFAULT_DEADLINE_SECONDS,
    ) -> Plan[types.WalletPlan]:
        """What `sender`'s own wallet sends to redeem `shares`, simulated, with its exact quote."""
        args = (shares, sender, receiver, slippage_bps, deadline_seconds)
        return plans.wallet_redeem(self.deployment, self.symbol, *args)

    # ---------------------------------------------------------------- keeper and admin

    def rebalance(self, **tx_kwargs: Any) -> Plan[types.Rebalanced]:
        return plans.keeper_call(self.deployment, self.symbol, "rebalance", (), tx_kwargs)

    def ripcord(self, **tx_kwargs: Any) -> Plan[types.Ripcorded]:
        return plans.keeper_call(self.deployment, self.symbol, "ripcord", (), tx_kwargs)

    def split(self, factor: int, reverse: bool = False, **tx_kwargs: Any) -> Plan[types.Splitted]:
        name = "reverse_split" if reverse else "split"
        return plans.keeper_call(self.deployment, self.symbol, name, (factor,), tx_kwargs)

    def transact(self, name: str, *args: Any, **tx_kwargs: Any) -> Plan[Any]:
        """Any other state-changing call of the token by name (e.g. "pause"), in the ABI of its
        kind: simulated, sent, the receipt returned."""
        return plans.transact_any(self.deployment, self.symbol, name, args, tx_kwargs)

    def configure(self, setter: str, *args: Any, **tx_kwargs: Any) -> Plan[Any]:
        """A parameter change through the configurator (e.g. "set_fees", 10, 10, 365), the token
        passed first: simulated, sent, the receipt returned. It acts at once where the
        configurator allows (a fee cut, a lower cap, no shares yet); otherwise its ChangeQueued
        event carries the id to pass to `execute_change` after the delay (`queued_change`)."""
        return plans.configure(self.deployment, self.symbol, setter, args, tx_kwargs)

    def execute_change(self, change_id: str, **tx_kwargs: Any) -> Plan[Any]:
        """The admin: apply a queued change once its eta has passed; the receipt."""
        return plans.queue_call(self.deployment, self.symbol, "execute", change_id, tx_kwargs)

    def cancel_change(self, change_id: str, **tx_kwargs: Any) -> Plan[Any]:
        """The guardian or the admin: drop a queued change before it executes; the receipt."""
        return plans.queue_call(self.deployment, self.symbol, "cancel", change_id, tx_kwargs)

    # ---------------------------------------------------------------- asynchronous (ERC-7540) tokens

    def async_state(self) -> Plan[types.AsyncTokenState]:
        """NAV, supply, the venue account, the open round, the round in flight (its order and the
        order's status at the venue) and the schedule (`seconds_to_close`), in one block."""
        return async_plans.state(self.deployment, self.symbol)

    def requests(self, controller: str | None = None) -> Plan[types.Requests]:
        """`controller`'s (default: the signer's) pending and claimable requests, both sides, with
        what the claimable ones are owed."""
        return async_plans.requests_of(self.deployment, self.symbol, controller)

    def estimate_deposit(self, assets: int) -> Plan[types.AsyncEstimate]:
        """An ESTIMATE of the shares a deposit request of `assets` would be owed if the open
        round closed now and filled at the current price, less its part of the round's cost
        (ERC-7540 has no preview on this side; nothing on chain promises it)."""
        return async_plans.estimate(self.deployment, self.symbol, "deposit", assets)

    def estimate_redeem(self, shares: int) -> Plan[types.AsyncEstimate]:
        """An ESTIMATE of the assets a redeem request of `shares` would be owed (as estimate_deposit)."""
        return async_plans.estimate(self.deployment, self.symbol, "redeem", shares)

    def request_deposit(
        self,
        assets: int,
        controller: str | None = None,
        owner: str | None = None,
        approve_max: bool = False,
        **tx_kwargs: Any,
    ) -> Plan[types.Requested]:
        """Pay `assets` (collateral base units) from `owner` (default: the signer) into the open
        round for `controller` (default: the signer). Approves exactly `assets` first when the
        signer's allowance is short (`approve_max`: the maximum)."""
        return async_plans.request(
            self.deployment, self.symbol, "deposit", assets, controller, owner, tx_kwargs, approve_max
        )

    def request_redeem(
        self, shares: int, controller: str | None = None, owner: str | None = None, **tx_kwargs: Any
    ) -> Plan[types.Requested]:
        """Move `shares` (wei) of `owner` (default: the signer) into the open round for
        `controller` (default: the signer); they bear PnL until the fill. No approval: the token
        moves them (an owner other than the signer has made it its operator or approved it)."""
        return async_plans.request(self.deployment, self.symbol, "redeem", shares, controller, owner, tx_kwargs)

    def cancel_deposit_request(self, controller: str | None = None, **tx_kwargs: Any) -> Plan[types.Cancelled]:
        """While its round is open: exactly the assets of `controller`'s deposit request back to it."""
        return async_plans.cancel(self.deployment, self.symbol, "deposit", controller, tx_kwargs)

    def cancel_redeem_request(self, controller: str | None = None, **tx_kwargs: Any) -> Plan[types.Cancelled]:
        """While its round is open: exactly the shares of `controller`'s redeem request back to it."""
        return async_plans.cancel(self.deployment, self.symbol, "redeem", controller, tx_kwargs)

    def claim_deposit(
        self,
        assets: int | None = None,
        receiver: str | None = None,
        controller: str | None = None,
        **tx_kwargs: Any,
    ) -> Plan[types.Deposited]:
        """The shares of `assets` (default: all) of `controller`'s settled deposit requests, to
        `receiver` (defaults: the signer); pro rata, rounded down."""
        return async_plans.claim(self.deployment, self.symbol, "deposit", assets, receiver, controller, tx_kwargs)

    def claim_redeem(
        self,
        shares: int | None = None,
        receiver: str | None = None,
        controller: str | None = None,
        **tx_kwargs: Any,
    ) -> Plan[types.Withdrawn]:
        """The assets of `shares` (default: all) of `controller`'s settled redeem requests, to
        `receiver` (defaults: the signer); pro rata, rounded down."""
        return async_plans.claim(self.deployment, self.symbol, "redeem", shares, receiver, controller, tx_kwargs)

    def set_operator(self, operator: str, approved: bool = True, **tx_kwargs: Any) -> Plan[Any]:
        """Let `operator` request, cancel and claim for the signer (approved=False: stop it); the receipt."""
        return async_plans.set_operator(self.deployment, self.symbol, operator, approved, tx_kwargs)

    def close_round(self, **tx_kwargs: Any) -> Plan[types.RoundClosed]:
        """The keeper (anyone after the round's grace): close the open round into its venue
        order, fronting the venue's execution fee (approved exactly, if short)."""
        return async_plans.close_round(self.deployment, self.symbol, tx_kwargs)

    def settle(self, **tx_kwargs: Any) -> Plan[types.Settled]:
        """Anyone: act on the venue's answer to the round in flight (settle, reopen, or pay out)."""
        return async_plans.settle(self.deployment, self.symbol, tx_kwargs)
