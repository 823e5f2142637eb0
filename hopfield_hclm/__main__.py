"""``python -m hopfield_hclm`` is the ``hopfield-hclm`` command line."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
