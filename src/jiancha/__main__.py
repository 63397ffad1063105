"""`python -m jiancha` is the `jiancha` command."""

from jiancha.interfaces.cli import main

main()
