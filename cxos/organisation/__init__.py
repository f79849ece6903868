"""Changing the organisation and the journey in place (administrators only)."""
