"""Allow ``python -m scanner`` where the console script is not on PATH."""

from scanner.cli import main

main()
