"""Storage: SQLAlchemy tables, the repository used by intake and the CLI, raw-mail store."""
