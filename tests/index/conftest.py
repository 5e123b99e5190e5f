"""Fixtures for the indexer: its database on each backend (a SQLite file; a database on a PostgreSQL
server started for the session), an indexer factory over the six products deployed once, and SDK
sessions by role."""

from __future__ import annotations

import itertools

import psycopg
import pytest
from eth_account import Account
from postgres import postgresql_server
from web3 import Web3

from ltsdk import Protocol
from ltsdk import manifest as manifests
from ltsdk.index import db
from ltsdk.index.indexer import Indexer, Settings
from ltsdk.units import USDC

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgresql_url():
    with postgresql_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh, empty database on each backend: its path or URL, as `ltsdk index --db` takes it."""
    if request.param == "sqlite":
        return str(tmp_path / "index.sqlite")
    server = request.getfixturevalue("postgresql_url")
    name = f"index_{next(_databases)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # test set-up only: the indexer writes through SQLAlchemy
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def manifest(manifest_file):
    return manifests.load(manifest_file)


@pytest.fixture
def make_indexer(rpc_url, manifest):
    """make_indexer(database, manifest=the deployment's, **settings) -> (indexer, sessions): a new
    indexer over the database (a restart when it was used before), at confirmation depth 0 unless told."""

    engines = []

    def make(database, manifest=manifest, **settings):
        engine, sessions = db.open_database(database)
        engines.append(engine)
        options = {"confirmations": 0, "sample_interval": 3600, **settings}
        w3 = Web3(Web3.HTTPProvider(rpc_url))
        return Indexer(w3, manifest, sessions, Settings(**options)), sessions

    yield make
    for engine in engines:  # close the pooled connections (PostgreSQL counts them)
        engine.dispose()


def _protocol(manifest_file, rpc_url, actor, project, collateral=0):
    protocol = Protocol.from_manifest(manifest_file, rpc_url, account=Account.from_key(actor.private_key))
    if collateral:
        project.MockUSDC.at(protocol.manifest["collateral"]).mint(actor, collateral, sender=actor)
    return protocol


@pytest.fixture
def depositor_sdk(manifest_file, rpc_url, depositor, project):
    return _protocol(manifest_file, rpc_url, depositor, project, 100_000 * USDC)


@pytest.fixture
def other_depositor_sdk(manifest_file, rpc_url, other_depositor, project):
    return _protocol(manifest_file, rpc_url, other_depositor, project, 100_000 * USDC)


@pytest.fixture
def admin_sdk(manifest_file, rpc_url, admin, project):
    """The deployer holds every role on the local network: keeper, guardian, admin."""
    return _protocol(manifest_file, rpc_url, admin, project)
