"""Pulse: the platform-agnostic core (rules, use cases, config, scheduler, CLI)."""

__version__ = "0.1.0"
