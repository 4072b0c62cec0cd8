"""``python -m riskcap``: the command line."""

from riskcap.cli import main

main()
