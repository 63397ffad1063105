"""Tests of the platform; helpers shared by several files live in conftest.py."""
