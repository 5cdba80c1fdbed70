"""``python -m jobrun_contracts`` runs the command line."""

from .cli import main

main()
