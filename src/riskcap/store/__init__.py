"""The catalog database (SQLAlchemy)."""
