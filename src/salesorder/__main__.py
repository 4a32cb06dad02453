"""``python -m salesorder``: the same as the ``salesorder`` command."""

from salesorder.cli import main

raise SystemExit(main())
