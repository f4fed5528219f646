"""`python -m triage.cli ...`: the `triage` command."""
from triage.cli.console import main

main()
