"""The web dashboard (`ltsdk serve`, the `dashboard` extra): server-rendered pages over the live chain
(the lens, read in one printed block), the index's history and the keeper's metrics, with mint and
redeem signed in the browser's wallet.

    from ltsdk.dashboard import Settings, create_app
    app = create_app(Settings(manifest="local", rpc_url="http://127.0.0.1:8545"))   # an ASGI app

Pages: `/` (every token), `/token/{symbol}` (history, rebalances, tracking error, mint and redeem),
`/holder/{address}`, `/keeper`. `/api/transactions/{deposit|redeem}` builds the wallet's
transactions with the SDK (ltsdk.plans.wallet_deposit, wallet_redeem); the page only asks the
wallet to send them.
"""

from ltsdk.dashboard.app import Settings, create_app, serve

__all__ = ["Settings", "create_app", "serve"]
