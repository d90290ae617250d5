"""Pure, typed diagnosis functions over an immutable graph snapshot.

No Flask and no database here: the API hands the engine a snapshot and the
request, and gets plain data back.
"""
