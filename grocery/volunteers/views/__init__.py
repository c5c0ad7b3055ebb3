"""Volunteers: planning, day sheets, participants, insertion paths, workshops and attestations (thin views),
one module per screen family; importing the package registers every route on the blueprint."""

from grocery.volunteers.views import activities, common, participants, path, planning, workshops  # noqa: F401
