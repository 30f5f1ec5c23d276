"""``python -m payfix`` runs the command line."""

from payfix.cli import _entry

_entry()
