"""The benchmark harness (`make bench` runs it through scripts/bench.py): gas per operation next to
references and lower bounds, and speed. Modules: `settings` (amounts, paths), `floors` (the gas
schedule and lower-bound items), `trace` (opcode-trace breakdown), `measure` (the token, the
references and the venue probe on anvil), `async_gas` (the asynchronous token's rounds), `speed`,
`report` (tables, notes, bench/results.md).
It needs ape (an ape script imports it with the network connected).

1. Gas. Each figure is one transaction's `gas_used` (21,000 base + calldata + execution) on a local
   anvil in a warmed-up steady state: the sender, the receiver and the fee recipient already hold
   balances, the fund holds a position, each call lands a minute after the last (so each
   share-changing call also mints the streaming fee), and the rebalances measured are not the
   fund's first (that one, and a TWAP's first chunk, fill bookkeeping slots for the first time;
   the notes give their cost). The references are compiled in the same run and driven the same
   way: snekmate's ERC-20 (contracts/mocks/ReferenceERC20.vy) for transfer, transferFrom and
   approve, and snekmate's ERC-4626 vault over the same MockUSDC (contracts/mocks/
   ReferenceERC4626.vy) for deposit, mint, withdraw, redeem and permit. REFERENCE_SCOPE says what
   each reference does not do. Opcode traces (debug_traceTransaction) split the main calls into
   venue, views and collateral calls, own storage reads and writes, logs and the rest.

2. Lower bounds. For each operation, what any design must pay: the transaction base and its
   calldata, the storage writes and logs the operation cannot avoid (priced from the gas schedule
   below), and the venue's own work measured in the same state. For the venue part the script
   copies contracts/mocks/ReferenceMinimalFund.vy onto the token's address inside an anvil
   snapshot, so the venue sees the token's own account and position and the user's collateral
   allowance applies; it sends the venue calls the operation must make (NAV read, collateral
   pull, venue.deposit, venue.trade, venue.withdraw) as one transaction in the state the token's
   call ran in, and reverts. One transaction from a contract at the fund's address rather than an
   EOA calling the venue: an EOA is not the fund's venue account, and two transactions would pay
   the venue's cold storage twice. Reads of the fund's own state beyond those listed, memory and
   arithmetic are not counted, so each bound is below what any real design pays.

3. The asynchronous token (bench/async_gas.py): LeveragedTokenAsync on MockAsyncPerpVenue, created
   by the factory, in rounds of N deposit and N redeem requests (N = 1, 10, 100): each request, the
   round's close, the venue's fill, the settlement and a controller's claims, each with a lower
   bound (floors.async_floor), the all-in cost per request next to the sync token's deposit and
   redeem, and the check that settlement is O(1) in N.

4. Speed: backtester steps per second, SDK state reads (JSON-RPC requests and wall time) for 6 and
   50 tokens, keeper decision time for 50 tokens, and the test suite's wall time as `make test`
   records it in out/test-seconds.txt.
"""
