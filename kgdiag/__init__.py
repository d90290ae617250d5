"""kgdiag: a knowledge-graph diagnostic engine for card-shop after-sales teams.

This package holds the command line; the graph, the engine and the API live in
the top-level packages ``graph``, ``diagnostics``, ``schema``, ``seed``,
``adapters`` and ``api``.
"""

__version__ = "0.4.0"
