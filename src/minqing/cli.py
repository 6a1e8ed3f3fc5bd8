"""The `minqing` command: fronts Django's management commands (`minqing migrate`,
`minqing runserver`) and ours (`minqing synth`, `minqing demo`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minqing", *sys.argv[1:]])


if __name__ == "__main__":
    main()
