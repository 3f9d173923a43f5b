"""Former name of the rule helpers, kept while the op families move to ``_rules``."""

from ._rules import *  # noqa: F403
from ._rules import __all__  # noqa: F401
