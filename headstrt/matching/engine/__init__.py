"""Retrieval engine for matching: tokenisation, embeddings, BM25, vectors and the mentor index."""
