"""python -m klientura: the command line."""

from klientura.cli import main

if __name__ == "__main__":
    main()
