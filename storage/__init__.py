"""Persistence: SQLModel tables, the engine, bulk writes and aggregate queries."""
