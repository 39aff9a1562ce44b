import sys

from muninn_shared.devstack.cli import main

sys.exit(main())
