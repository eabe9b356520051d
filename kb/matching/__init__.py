"""Matching: embedder, vector index kept in step with the database, keyword ranker, fusion, evaluation metrics.

Nothing here imports kb.services: the use cases that drive matching live there (matching, evaluation).
"""
