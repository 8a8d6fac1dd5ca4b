"""Allow ``python -m sheetkit``."""

import gc

gc.disable()            # until the imports are done: see sheetkit.cli.main

from sheetkit.cli import main  # noqa: E402

main()
