"""The indexer's database: an engine from a path (SQLite) or a URL (PostgreSQL), brought to the
newest schema by the Alembic migrations shipped in this package, before anything reads or writes."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(db: str) -> str:
    """A SQLAlchemy URL for `db`: a URL as given (postgresql:// and postgres:// use psycopg 3),
    anything else a SQLite file's path."""
    for scheme in ("postgresql://", "postgres://"):
        if db.startswith(scheme):
            return "postgresql+psycopg://" + db[len(scheme) :]
    if "://" in db:
        return db
    return f"sqlite:///{db}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite checks foreign keys only when asked
    cursor.execute("PRAGMA busy_timeout=10000")  # a reader (the dashboard) and the indexer share the file
    cursor.close()


def engine_for(db: str) -> Engine:
    """An engine for `db` (see `database_url`); a SQLite file's folder is created."""
    url = database_url(db)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Apply every migration not yet applied (Alembic's `upgrade head`), in one transaction."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(db: str) -> tuple[Engine, sessionmaker[Session]]:
    """The engine for `db`, migrated, and a session factory over it."""
    engine = engine_for(db)
    migrate(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)
