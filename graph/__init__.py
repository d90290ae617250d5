"""The knowledge graph's storage: one small interface, several backends.

``open_store`` picks the backend from a location; the engine never talks to a
backend directly, it reads immutable snapshots (``graph.snapshot``).
"""
