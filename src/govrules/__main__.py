"""``python -m govrules``: the same command as ``govrules``."""

from ._cli import main

if __name__ == "__main__":
    main()
