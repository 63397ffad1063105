"""How people and systems reach the platform: the JSON API, the command line, files."""
