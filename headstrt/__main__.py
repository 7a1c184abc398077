"""``python -m headstrt``: the same as the ``headstrt`` command."""

from headstrt.cli import main

if __name__ == "__main__":
    main()
