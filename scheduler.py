"""The long-running scheduled process: `python scheduler.py [--config feeds.yaml]`.

All logic lives in newsletter.schedule; this file only reads the config and starts it.
"""

import argparse
import logging
import sys

from newsletter.config import load_config
from newsletter.errors import NewsletterError
from newsletter.schedule import run


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the newsletter's scheduled jobs.")
    parser.add_argument("--config", default=None, help="path to feeds.yaml (default: NEWSLETTER_CONFIG or ./feeds.yaml)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        run(load_config(args.config))
    except NewsletterError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
