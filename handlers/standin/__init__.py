"""Loopback stand-ins that speak Discord's and Slack's wire protocols, for tests and the demo."""
