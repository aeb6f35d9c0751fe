"""Mesa agents of the GVI model: group members, police units, outreach workers."""

from .group_member import GroupMember
from .outreach_worker import OutreachWorker
from .police_unit import PoliceUnit, UnitKind

__all__ = ["GroupMember", "OutreachWorker", "PoliceUnit", "UnitKind"]
