"""Storage: SQLAlchemy tables, the repository used by intake and the CLI, the package-hours
ledger rows, the raw-mail packs, Alembic migrations."""
