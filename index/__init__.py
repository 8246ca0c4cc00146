"""Turning articles into an index (installed as `newsdex.index`): loading, cleaning,
splitting, embedding and storing."""
