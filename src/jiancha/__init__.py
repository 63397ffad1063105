"""Jiancha (监察): electronic supervision platform for administrative power."""

__version__ = "0.1.0"
