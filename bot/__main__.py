"""Allow ``python -m bot`` as a synonym of the ``kefu`` command."""

from bot.cli import main

main()
