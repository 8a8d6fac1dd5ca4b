"""Allow ``python -m sheetkit``."""

from sheetkit.cli import main

main()
