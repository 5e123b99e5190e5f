"""The indexer (`ltsdk index`): a deployment's events and sampled lens rows in SQLite or PostgreSQL,
resumable and reorg-safe; `ltsdk.index.queries` is what readers (the dashboard) call. Needs the
`index` extra (SQLAlchemy, Alembic, psycopg)."""

DEFAULT_DB = "out/index.sqlite"  # `ltsdk index` without --db: a SQLite file
