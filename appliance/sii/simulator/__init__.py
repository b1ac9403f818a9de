"""A local SII: the same endpoints and answer formats as the real one, for the demo and the tests.

    simulator = SiiSimulator(SimulatorConfig(state_dir=path, trusted_caf_keys=(load_caf_key(pem),)))
    with SimulatorServer(simulator) as server:
        hosts = SiiHosts.local(server.url)           # appliance.sii.clients talk to it unchanged

or `python -m appliance.sii.simulator --host 127.0.0.1 --port 8123 --state-dir DIR --trust-caf-key PEM`.
It checks what the SII checks (schema, signatures, timbres, CAFs against the SII's keys and the trusted local
ones, carátula), answers with the SII's states, counts uploads per document, and injects faults on request.
"""

from appliance.sii.simulator.app import create_app
from appliance.sii.simulator.server import SimulatorServer
from appliance.sii.simulator.simulator import SiiSimulator
from appliance.sii.simulator.state import (
    Endpoint,
    FaultMode,
    RequestFault,
    SimulatorConfig,
    SimulatorState,
    load_caf_key,
)

__all__ = [
    "Endpoint",
    "FaultMode",
    "RequestFault",
    "SiiSimulator",
    "SimulatorConfig",
    "SimulatorServer",
    "SimulatorState",
    "create_app",
    "load_caf_key",
]
