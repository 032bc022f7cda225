"""`python -m bouncewarden.cli`: the `bouncewarden` command."""

from bouncewarden.cli import main

main()
