"""CXOS: is every team aligned with the shared CX goals, and accountable for them?"""

__version__ = "0.1.0"
