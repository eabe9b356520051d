"""Matching: embedder, vector index kept in step with the database, keyword ranker, fusion, evaluation."""
