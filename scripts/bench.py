"""Gas per operation, measured from receipts on a local anvil (`make bench`).

Prints a table and writes bench/results.md. Each figure is the `gas_used` of one transaction
(21,000 base + calldata + execution) in a warmed-up steady state: the sender, the receiver and the
fee recipient already hold balances, the fund holds a position, and each call lands a minute after
the last (so each share-changing call also mints the streaming fee). ERC-20 operations run on the leveraged token and on
snekmate's plain ERC-20 (contracts/mocks/ReferenceERC20.vy) in the same conditions.
"""

from pathlib import Path

from ape import accounts, chain, project
from ape.logging import logger
from eth_account import Account

from ltsdk import permit
from ltsdk.deploy import deploy_protocol

USDC = 10**6
WAD = 10**18
RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results.md"
TARGETS = {  # VERIFICATION.md
    "deposit": "< 200,000",
    "redeem": "< 200,000",
    "rebalance (full)": "< 150,000",
    "rebalance (chunk)": "< 150,000",
    "rebalance (not needed, reverts)": "< 30,000",
    "split": "< 50,000",
    "reverse split": "< 50,000",
    "transfer": "reference + 1,000",
}


NOTES = """
## Targets missed, and why

- **deposit ~202k vs < 200k (redeem ~197k meets it).** In the steady state measured here every
  call also mints a minute of streaming fee to the fee recipient (~16.5k: its balance, the supply,
  an event); a deposit in a block where no fee is due costs ~185k. Accruing the fee only on
  redeem would bring deposits under 200k at the cost of a less exact NAV per share at mint.

- **rebalance (not needed) ~106k vs < 30k.** "Not needed" is a statement about leverage, so the
  token must read NAV: one call into the venue (its account, the funding index and the oracle's
  round: two cold contracts and ~10 cold slots), ~12 of the token's own parameters (Vyper 0.4 gives
  every storage variable its own slot: 2,100 gas each when cold), and one call to the views
  contract. 21,000 of the figure is the transaction base. A keeper never pays it: it simulates
  first (eth_call) and sends nothing when the status is NONE.
- **rebalance 185-205k vs < 150k.** The venue trade itself (funding settlement, quote, cost basis,
  leverage check) is ~70k on the mock; around it the token reads the venue twice, asks the views
  contract for the status and writes five bookkeeping slots. Hand-packing the rebalancing
  parameters and state into two slots would save ~25k; left for the benchmark issue.
- **split ~88k vs < 50k.** O(1): the same gas for 2 or 8 holders (tested). Most of it is reading
  NAV (one venue call) for the NAV per share the event reports and the keeper's band rule.
- **transfer +2.5k vs the plain ERC-20 (target +1k).** Any O(1) split design needs the share scale
  on every transfer: one more cold SLOAD (2,100 gas) and a multiplication. +1k is below that
  floor.
- **Code size.** The token's runtime must fit EIP-170 (24,576 bytes, immutables included); it is
  compiled for size and its derived views live in LeveragedTokenViews. Compiling for gas instead
  would save a few percent per call but does not fit.
"""


def gas_of_revert(contract_method, *args, sender):
    """Gas a reverting call burns when sent anyway (as a keeper that skipped simulation would)."""
    receipt = contract_method(*args, sender=sender, gas_limit=1_000_000, raise_on_revert=False)
    assert receipt.failed, "expected a revert"
    return receipt.gas_used


def erc20_rows(token, user, other, spender):
    """transfer, transferFrom, approve in warm conditions (both sides already hold a balance)."""
    token.transfer(other, 10**18, sender=user)
    transfer = token.transfer(other, 10**18, sender=user).gas_used
    approve = token.approve(spender, 10**20, sender=user).gas_used
    transfer_from = token.transferFrom(user, other, 10**18, sender=spender).gas_used
    return {"transfer": transfer, "transferFrom": transfer_from, "approve": approve}


def permit_gas(token, owner_account, spender, relayer):
    signer = Account.create()
    token.transfer(signer.address, 10**18, sender=owner_account)
    deadline = chain.pending_timestamp + 3_600
    v, r, s = permit.sign_permit(
        signer,
        permit.permit_typed_data(
            token.name(), chain.chain_id, token.address, signer.address, spender.address, 10**18, 0, deadline
        ),
    )
    receipt = token.permit(signer.address, spender, 10**18, deadline, v, r, s, sender=relayer)
    return receipt.gas_used


def measure(admin, user, other, spender):
    manifest = deploy_protocol(project, admin)
    usdc = manifest["contracts"]["collateral"]
    token = manifest["contracts"]["tokens"]["BTC3L"]
    oracle = manifest["contracts"]["markets"]["BTC"]["oracle"]
    usdc.mint(user, 1_000_000 * USDC, sender=user)
    usdc.approve(token, 2**256 - 1, sender=user)

    def later():
        """Steady state: a minute between calls, so every share-changing call mints the fee."""
        chain.pending_timestamp = chain.blocks.head.timestamp + 60

    rows = {}
    rows["deposit (first)"] = token.deposit(10_000 * USDC, user, sender=user).gas_used
    later()
    token.deposit(1_000 * USDC, user, sender=user)  # the fee recipient's balance now exists
    later()
    rows["deposit"] = token.deposit(10_000 * USDC, user, sender=user).gas_used
    later()
    rows["mint"] = token.mint(10 * WAD, user, sender=user).gas_used
    later()
    rows["redeem"] = token.redeem(10 * WAD, user, user, sender=user).gas_used
    later()
    rows["withdraw"] = token.withdraw(1_000 * USDC, user, user, sender=user).gas_used

    rows["rebalance (not needed, reverts)"] = gas_of_revert(token.rebalance, sender=admin)
    oracle.set_price(54_000 * 10**8, sender=admin)  # -10 %: out of the band
    rows["rebalance (full)"] = token.rebalance(sender=admin).gas_used
    token.set_execution(86_400, 120, 50, 500 * USDC, 0, sender=admin)
    oracle.set_price(49_000 * 10**8, sender=admin)
    rows["rebalance (chunk)"] = token.rebalance(sender=admin).gas_used
    token.set_execution(86_400, 120, 50, 1_000_000 * USDC, 60, sender=admin)
    oracle.set_price(40_000 * 10**8, sender=admin)  # far past the ripcord level
    rows["ripcord"] = token.ripcord(sender=other).gas_used
    rows["split"] = token.split(10, sender=admin).gas_used
    rows["reverse split"] = token.reverse_split(10, sender=admin).gas_used

    token_erc20 = erc20_rows(token, user, other, spender)
    reference = project.ReferenceERC20.deploy(sender=admin)
    reference.mint(user, 1_000 * WAD, sender=admin)
    reference_erc20 = erc20_rows(reference, user, other, spender)
    rows["permit"] = permit_gas(token, user, spender, other)
    deployed = len(chain.provider.get_code(token.address))
    return rows, token_erc20, reference_erc20, deployed


def render(rows, token_erc20, reference_erc20) -> str:
    lines = ["| operation | gas | target |", "|---|---:|---|"]
    for name, gas in rows.items():
        lines.append(f"| {name} | {gas:,} | {TARGETS.get(name, '')} |")
    lines += ["", "| ERC-20 | leveraged token | snekmate ERC-20 | difference | ratio |", "|---|---:|---:|---:|---:|"]
    for name, gas in token_erc20.items():
        base = reference_erc20[name]
        lines.append(f"| {name} | {gas:,} | {base:,} | {gas - base:+,} | {gas / base:.3f} |")
    return "\n".join(lines)


def main():
    logger.set_level("WARNING")
    admin, user, other, spender = accounts.test_accounts[0:4]
    rows, token_erc20, reference_erc20, deployed = measure(admin, user, other, spender)
    table = render(rows, token_erc20, reference_erc20)
    size_line = (
        f"LeveragedToken deployed code (runtime with its immutables): {deployed:,} bytes; EIP-170 limit: 24,576."
    )
    print(table)
    print(size_line)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        "# Benchmarks\n\nGenerated by `make bench` (scripts/bench.py) on a local anvil. Gas is each "
        "transaction's `gas_used` (21,000 base included) in a warmed-up state.\n\n## Gas per operation (BTC3L)\n\n"
        + table
        + "\n\n"
        + size_line
        + "\n"
        + NOTES
    )
