"""``python -m payfix.spark INPUT... --out DIR --rejects DIR [--rules DIR]``: the Spark replay job."""

from payfix.spark import main

if __name__ == "__main__":
    raise SystemExit(main())
