"""`python -m appliance.backup …`: the backup commands without the rest of the CLI (what litestream.service runs)."""

import sys

from appliance.backup.cli import main

sys.exit(main())
