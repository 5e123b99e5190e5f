"""Fixtures for the indexer: its database on each backend (a SQLite file; a database on a PostgreSQL
server started for the session), an indexer factory over the six products deployed once, and SDK
sessions by role. Each test's database is a copy of one the migrations brought to the newest schema
once per session (a file copy; CREATE DATABASE ... TEMPLATE): migrating a database costs 1-2 s per
backend, its copy a tenth of that. test_migrations__applied_on_start migrates an empty one."""

from __future__ import annotations

import itertools
import shutil

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


def _create_database(server: str, template: str | None = None) -> str:
    """A new database on the server (a copy of `template` if given): its URL."""
    name = f"index_{next(_databases)}"
    # test set-up only (the indexer writes through SQLAlchemy); FILE_COPY: half WAL_LOG's time for a small template
    copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}{copy}")
    return server.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> str:
    """A SQLite file the migrations brought to the newest schema, never opened again (copied per test)."""
    path = str(tmp_path_factory.mktemp("index-template") / "index.sqlite")
    engine, _ = db.open_database(path)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgresql(postgresql_url) -> str:
    """The name of a PostgreSQL database the migrations brought to the newest schema, with no
    connection left open (a template must have none)."""
    url = _create_database(postgresql_url)
    engine, _ = db.open_database(url)
    engine.dispose()
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """A fresh database on each backend, no schema yet: its path or URL, as `ltsdk index --db` takes it."""
    if request.param == "sqlite":
        return str(tmp_path / "index.sqlite")
    return _create_database(request.getfixturevalue("postgresql_url"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh database on each backend at the newest schema, no rows yet (what the indexer's first
    start makes of an empty one): its path or URL, as `ltsdk index --db` takes it."""
    if request.param == "sqlite":
        path = str(tmp_path / "index.sqlite")
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return path
    return _create_database(request.getfixturevalue("postgresql_url"), request.getfixturevalue("migrated_postgresql"))


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
