"""Exceptions shared across the pipeline packages."""


class UsageError(Exception):
    """Bad input from the user (exit code 2): not a fxtv or torch failure."""
