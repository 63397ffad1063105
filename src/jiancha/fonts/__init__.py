"""Fonts shipped with the platform: the Chinese font the monthly report's PDF embeds (README.md)."""
