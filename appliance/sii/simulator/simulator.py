"""`SiiSimulator`: the state, the ASGI app, and the fault-injection calls tests use directly.

The same faults can be set over HTTP (`POST /_sim/faults`), e.g. by a demo operator.
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar import Litestar

from appliance.sii.simulator.app import create_app
from appliance.sii.simulator.checks import RCH, RPR, Override
from appliance.sii.simulator.state import Endpoint, FaultMode, RequestFault, SimulatorConfig, SimulatorState


class SiiSimulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.state = SimulatorState(config)
        self.app: Litestar = create_app(self.state)

    # Request faults: each hits the next `times` requests to `endpoints` (default: every SII endpoint).

    def hang(
        self, seconds: float, *, endpoints: Iterable[Endpoint] | None = None, times: int | None = 1, after: bool = False
    ) -> None:
        """Answer only after `seconds`. With `after`, process the request first: the SII got it, the answer is lost."""
        self._add(RequestFault(FaultMode.HANG, _endpoints(endpoints), times, seconds=seconds, after=after))

    def fail_500(self, *, endpoints: Iterable[Endpoint] | None = None, times: int | None = 1) -> None:
        self._add(RequestFault(FaultMode.HTTP_500, _endpoints(endpoints), times))

    def answer_html(self, *, endpoints: Iterable[Endpoint] | None = None, times: int | None = 1) -> None:
        self._add(RequestFault(FaultMode.HTML, _endpoints(endpoints), times))

    def busy(
        self,
        *,
        status: int = 429,
        retry_after: int | None = 5,
        endpoints: Iterable[Endpoint] | None = None,
        times: int | None = 1,
    ) -> None:
        self._add(RequestFault(FaultMode.BUSY, _endpoints(endpoints), times, status=status, retry_after=retry_after))

    # Per-document verdicts, applied to documents that would otherwise be accepted (DOK).

    def reject(self, tipo: int, folio: int, message: str = "Rechazo simulado") -> None:
        self.state.set_override(tipo, folio, Override(RCH, message))

    def reparo(self, tipo: int, folio: int, message: str = "Reparo simulado") -> None:
        self.state.set_override(tipo, folio, Override(RPR, message))

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def expire_tokens(self) -> int:
        return self.state.expire_tokens()

    def upload_count(self, tipo: int, folio: int, rut_emisor: str | None = None) -> int:
        """How many uploads carrying this document reached the simulated SII (with a valid token)."""
        return self.state.upload_count(tipo, folio, rut_emisor)

    def _add(self, fault: RequestFault) -> None:
        self.state.add_fault(fault)


def _endpoints(endpoints: Iterable[Endpoint] | None) -> frozenset[Endpoint]:
    return frozenset(endpoints) if endpoints is not None else frozenset(Endpoint)
