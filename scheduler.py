"""The long-running scheduled process: `.venv/bin/python scheduler.py [--config feeds.yaml]`.

All logic lives in newsletter.schedule; this file only reads the config and starts it.
It logs at INFO to standard error: one line per job start and end, the next run times at
start, and a line when it stops (SIGTERM or Ctrl-C let running jobs finish first).
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
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
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
