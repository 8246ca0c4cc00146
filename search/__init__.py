"""Answering questions from an index (installed as `newsdex.search`): understanding the
question, retrieval, fusion, grouping, highlights, evaluation. Import from `newsdex`."""
