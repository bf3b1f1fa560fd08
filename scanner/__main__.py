"""Allow ``python -m scanner`` where the console script is not on PATH."""

from scanner.cli import main

if __name__ == "__main__":  # not when a process pool's spawn imports this module
    main()
