import sys

from muninn_devstack.cli import main

sys.exit(main())
