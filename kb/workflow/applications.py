"""The life cycle of an institution's application to join (/join), as a pure table like kb/workflow's.

An application is *unconfirmed* until the applicant follows the signed link e-mailed to them (capacity
``applicant``: whoever holds the link), then *waiting* for the secretariat or an admin (capacity
``secretariat``), who approve it or refuse it with a reason.
"""
from __future__ import annotations

from kb.models.enums import ApplicationState as A
from kb.workflow import SECRETARIAT, Machine

APPLICANT = "applicant"

APPLICATION = Machine("application", [
    (A.UNCONFIRMED, "confirm", APPLICANT, A.WAITING),
    (A.WAITING, "approve", SECRETARIAT, A.APPROVED),
    (A.WAITING, "refuse", SECRETARIAT, A.REFUSED),
])
# What a reviewer may ask for through the API and the pages.
DECISIONS = ("approve", "refuse")
