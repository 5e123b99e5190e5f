"""The dashboard's web application (Starlette, Jinja2 templates, served by uvicorn): routes, the
settings it runs with, and the JSON endpoints that build a browser wallet's transactions."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from web3 import Web3
from web3.exceptions import Web3Exception

from ltsdk import errors
from ltsdk.cli import CliError, parse_amount
from ltsdk.client import Protocol, http_web3
from ltsdk.dashboard import health, history, pages
from ltsdk.manifest import load as load_manifest

HERE = Path(__file__).parent
SHARE_DECIMALS = 18
# what a page reports instead of its numbers when the node does not answer
UNREACHABLE = (OSError, Web3Exception)


@dataclass(frozen=True)
class Settings:
    """`manifest`: a path or a network name (ltsdk.manifest.resolve); `index`: the indexer's
    database (a SQLite path or a PostgreSQL URL, as `ltsdk index --db`), or None for pages without
    history; `keeper_metrics`: the keeper's Prometheus URL (http://127.0.0.1:9101/metrics), or None."""

    manifest: str = "local"
    rpc_url: str | None = None
    index: str | None = None
    keeper_metrics: str | None = None


class Dashboard:
    """The state the routes share: one SDK client (reads only: the browser's wallet signs)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.protocol = Protocol(http_web3(settings.rpc_url), load_manifest(settings.manifest), account=None)
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(), auto_reload=False
        )
        self.templates.filters.update(pages.FILTERS)
        self.asset_symbol: str | None = None
        self._sessions: Any = None

    @contextmanager
    def index(self) -> Iterator[Any]:
        """A read session on the index, or None when none is configured."""
        if self.settings.index is None:
            yield None
            return
        if self._sessions is None:
            from ltsdk.index import db

            _, self._sessions = db.open_database(self.settings.index)
        with self._sessions() as session:
            yield session

    def symbol(self, text: str) -> str:
        """The manifest's symbol for `text`, any case; UnknownToken otherwise."""
        by_upper = {symbol.upper(): symbol for symbol in self.protocol.addresses}
        symbol = by_upper.get(text.upper(), text)
        self.protocol.address_of(symbol)
        return symbol

    def collateral_symbol(self) -> str:
        if self.asset_symbol is None:
            self.asset_symbol = str(self.protocol.collateral.functions.symbol().call())
        return self.asset_symbol

    def render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("symbols", list(self.protocol.addresses))
        context.setdefault("asset", self.asset_symbol or "USDC")
        context.setdefault("keeper_configured", self.settings.keeper_metrics is not None)
        context.setdefault("index_configured", self.settings.index is not None)
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)

    def page(self, name: str, build, status_code: int = 200) -> HTMLResponse:
        """Render `name` with the context `build(block)` returns, all read in one block; a node that
        does not answer gives a 503 page, a bad address or symbol a 400 page with the reason."""
        try:
            self.protocol.node.check_chain()
            self.collateral_symbol()
            block = pages.latest_block(self.protocol)
            return self.render(name, status_code, block=block, **build(block))
        except (errors.LtError, CliError) as exc:
            return self.render("error.html", 400, message=str(exc), kind=type(exc).__name__)
        except UNREACHABLE as exc:
            return self.render("error.html", 503, message=f"the node does not answer: {exc}", kind="Unreachable")


# ---------------------------------------------------------------- pages


def _token_rows(session: Any, states: dict[str, Any], block: pages.Block) -> list[pages.TokenRow]:
    """The token table's rows of `block`; with the index (`session`, None without one), each
    token's 24 h change and whether the factory retired it."""
    if session is None:
        return pages.token_rows(states, block)
    before = history.nav_24h_ago(session, block.timestamp)
    return pages.token_rows(states, block, before, history.retired_blocks(session))


def token_table(request: Request) -> Response:
    dash: Dashboard = request.app.state.dashboard

    def build(block: pages.Block) -> dict[str, Any]:
        states = dash.protocol.states(block=block.number, asynchronous=True)
        with dash.index() as session:
            return {"rows": _token_rows(session, states, block)}

    return dash.page("tokens.html", build)


def token_page(request: Request) -> Response:
    dash: Dashboard = request.app.state.dashboard
    query = request.query_params

    def build(block: pages.Block) -> dict[str, Any]:
        symbol = dash.symbol(request.path_params["symbol"])
        state = dash.protocol.states([symbol], block=block.number, asynchronous=True)[symbol]
        context: dict[str, Any] = {"state": state, "token": dash.protocol.addresses[symbol], "history": None}
        with dash.index() as session:
            if session is not None:
                address = dash.protocol.addresses[symbol]  # the manifest's token of that symbol
                past = history.token_history(session, dash.protocol.w3, address, state.asset_decimals)
                context["history"] = past
                context["charts"] = json.dumps({"navs": past.chart, "costs": past.costs})
            context["row"] = _token_rows(session, {symbol: state}, block)[0]
        past = context["history"]
        lists: dict[str, list[Any]] = {
            "rebalances": past.rebalances if past is not None else [],
            "splits": past.splits if past is not None else [],
        }
        for name, rows in lists.items():  # bad paging parameters are refused with or without the index
            page = pages.page_of(rows, query, name)
            context[f"{name}_page"] = page
            context[f"{name}_links"] = _links(request, page)
        try:
            if amount := query.get("deposit"):
                context["quote"] = pages.quote_deposit(
                    dash.protocol, symbol, parse_amount(amount, state.asset_decimals, "amount"), state, block
                )
            elif shares := query.get("redeem"):
                context["quote"] = pages.quote_redeem(
                    dash.protocol, symbol, parse_amount(shares, SHARE_DECIMALS, "shares"), state, block
                )
        except (errors.LtError, CliError) as exc:
            context["quote_error"] = str(exc)
        context["deposit_input"] = query.get("deposit", "")
        context["redeem_input"] = query.get("redeem", "")
        return context

    return dash.page("token.html", build)


def _links(request: Request, page: pages.Page[Any]) -> dict[str, str | None]:
    """The relative URLs of the newer and older pages of `page`'s list (None where there is none),
    the request's other parameters kept."""

    def at(offset: int | None) -> str | None:
        if offset is None:
            return None
        url = request.url.include_query_params(**{f"{page.name}_offset": offset, f"{page.name}_limit": page.limit})
        return f"{url.path}?{url.query}"

    return {"newer": at(page.newer), "older": at(page.older)}


def holder_lookup(request: Request) -> Response:
    address = request.query_params.get("address", "").strip()
    return RedirectResponse(f"/holder/{address}" if address else "/", status_code=303)


def holder_page(request: Request) -> Response:
    dash: Dashboard = request.app.state.dashboard

    def build(block: pages.Block) -> dict[str, Any]:
        text = request.path_params["address"]
        if not Web3.is_address(text):
            raise CliError(f"not an address (0x and 40 hex digits): {text!r}")
        address = Web3.to_checksum_address(text)
        states = dash.protocol.states(block=block.number)
        held = pages.positions(dash.protocol, states, address, block)
        indexed = None
        with dash.index() as session:
            if session is not None:
                from ltsdk.index import queries

                indexed = queries.indexed_block(session)
                held = pages.with_cost_basis(held, history.positions(session, address))
        return {"address": address, "positions": held, "total": sum(p.value for p in held), "indexed_block": indexed}

    return dash.page("holder.html", build)


def keeper_page(request: Request) -> Response:
    dash: Dashboard = request.app.state.dashboard
    url = dash.settings.keeper_metrics

    def build(block: pages.Block) -> dict[str, Any]:
        return {"health": health.read(url) if url else None, "now": time.time()}

    return dash.page("keeper.html", build)


# ---------------------------------------------------------------- the wallet's transactions


async def wallet_transactions(request: Request) -> Response:
    """POST {"symbol", "amount" (whole units: USDC for a deposit, shares for a redeem), "sender",
    "slippage_bps"?}: the transactions the browser wallet sends, in order, with the exact quote
    they carry. A bad input or a call that would revert is an answer, not a failure of the request:
    200 {"error", "message"} and no transaction (a browser logs every 4xx as a console error). A
    body that is not a JSON object is 400, a node that does not answer 503."""
    dash: Dashboard = request.app.state.dashboard
    side = request.path_params["side"]
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "BadRequest", "message": "the body must be a JSON object"}, 400)
    if not isinstance(body, dict):
        return JSONResponse({"error": "BadRequest", "message": "the body must be a JSON object"}, 400)
    try:
        return JSONResponse(await run_in_threadpool(_build_transactions, dash, side, body))
    except (errors.LtError, CliError) as exc:
        kind = "BadInput" if isinstance(exc, CliError) else type(exc).__name__
        return JSONResponse({"error": kind, "message": str(exc)})
    except UNREACHABLE as exc:
        return JSONResponse({"error": "Unreachable", "message": f"the node does not answer: {exc}"}, 503)


def _build_transactions(dash: Dashboard, side: str, body: dict[str, Any]) -> dict[str, Any]:
    symbol = dash.symbol(str(body.get("symbol", "")))
    token = dash.protocol.token(symbol)
    sender = str(body.get("sender", ""))
    slippage = body.get("slippage_bps", 50)
    if side == "deposit":
        amount = parse_amount(str(body.get("amount", "")), dash.protocol.asset_decimals, "amount")
        plan = token.deposit_transactions(amount, sender, slippage_bps=slippage)
        out = f"{pages.shares_text(plan.quoted_out)} {symbol}"
        bound = f"at least {pages.shares_text(plan.min_out)} {symbol}"
    elif side == "redeem":
        amount = parse_amount(str(body.get("amount", "")), SHARE_DECIMALS, "shares")
        plan = token.redeem_transactions(amount, sender, slippage_bps=slippage)
        out = f"{pages.assets_text(plan.quoted_out)} {dash.collateral_symbol()}"
        bound = f"at least {pages.assets_text(plan.min_out)} {dash.collateral_symbol()}"
    else:
        raise CliError(f"unknown action {side!r}: deposit or redeem")
    return {
        "action": plan.action,
        "symbol": symbol,
        "block": plan.block,
        "quoted_out": str(plan.quoted_out),
        "min_out": str(plan.min_out),
        "summary": f"quoted {out} in block {plan.block}; the transaction accepts {bound}",
        "transactions": [{"description": tx.description, "request": tx.as_request()} for tx in plan.transactions],
    }


# ---------------------------------------------------------------- the application


def create_app(settings: Settings) -> Starlette:
    app = Starlette(
        routes=[
            Route("/", token_table),
            Route("/token/{symbol}", token_page),
            Route("/holder", holder_lookup),
            Route("/holder/{address}", holder_page),
            Route("/keeper", keeper_page),
            Route("/api/transactions/{side}", wallet_transactions, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]
    )
    app.state.dashboard = Dashboard(settings)
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the dashboard until interrupted."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
