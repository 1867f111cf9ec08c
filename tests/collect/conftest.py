"""Fixtures for the collect tests (helpers in ``helpers.py``)."""

from tests.collect.helpers import sources_config

__all__ = ["sources_config"]
