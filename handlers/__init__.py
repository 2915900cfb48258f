"""The platform edge: the only code that imports discord.py or slack-bolt."""
