"""OutreachWorker: a municipal outreach worker with a caseload (M8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from model.state import NO_SUPPORT

if TYPE_CHECKING:
    from model.gvi_model import GVIModel


class OutreachWorker(mesa.Agent):
    """Contacts members and offers help while their caseload has room.

    The day's number of contacts of every worker is drawn at once by
    :meth:`Support.outreach <model.support.Support.outreach>`; a worker acts only on
    the days they have contacts to make.
    """

    model: GVIModel

    def __init__(self, model: GVIModel, caseload: int) -> None:
        super().__init__(model)
        self.caseload_limit = caseload
        self.clients: list[int] = []
        self.contacts = 0
        self._seen = -1  # the support version the client list was last checked against

    def contact(self, wanted: int) -> None:
        """Make up to ``wanted`` contacts today, as far as the caseload has room."""
        m = self.model
        support = m.support
        if self._seen != support.version:
            s = m.state
            self.clients = [i for i in self.clients if s.support[i] != NO_SUPPORT]
            self._seen = support.version
        for _ in range(min(wanted, self.caseload_limit - len(self.clients))):
            i = support.candidate()
            if i < 0:
                return
            self.contacts += 1
            if support.offer(i):
                self.clients.append(i)
