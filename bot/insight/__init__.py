"""Engagement use cases: the pure rules of ``bot.engagement`` fed from the roll-ups, with
the state they keep (levels, ambassador decisions, staff) and the replies moderators read."""
