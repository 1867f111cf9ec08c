"""Newsletter and PR automation for Trekantområdet Danmark (Danmarks Produktionscentrum).

The pipeline: collect -> curate -> compose -> review -> render -> social -> queue -> send.
"""

__version__ = "0.1.0"
