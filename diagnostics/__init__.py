"""Pure, typed diagnosis functions over an immutable graph snapshot.

No Flask and no database here: the API hands the engine a snapshot and the
request, and gets plain data back.
"""

from schema.validate import install_content_checks

from .content_checks import CONTENT_CHECKS

# The schema validator (a layer below) judges conditions, templates and
# built-ins with the engine's own functions, handed down here.
install_content_checks(CONTENT_CHECKS)
