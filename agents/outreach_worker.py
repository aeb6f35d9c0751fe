"""OutreachWorker: a municipal outreach worker with a caseload (M8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from model.state import NO_SUPPORT

if TYPE_CHECKING:
    from model.gvi_model import GVIModel


class OutreachWorker(mesa.Agent):
    """Contacts members and offers help while their caseload has room."""

    model: GVIModel

    def __init__(self, model: GVIModel, caseload: int) -> None:
        super().__init__(model)
        self.caseload_limit = caseload
        self.clients: list[int] = []
        self.contacts = 0
        self._seen = -1  # the support version the client list was last checked against

    def step(self) -> None:
        m = self.model
        s = m.state
        if self._seen != m.support.version:
            self.clients = [i for i in self.clients if s.support[i] != NO_SUPPORT]
            self._seen = m.support.version
        room = self.caseload_limit - len(self.clients)
        if room <= 0:
            return
        n = min(room, int(m.streams["support"].poisson(m.params.support.contact_rate)))
        for _ in range(n):
            i = m.support.candidate()
            if i < 0:
                return
            self.contacts += 1
            if m.support.offer(i):
                self.clients.append(i)
