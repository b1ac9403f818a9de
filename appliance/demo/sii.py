"""The demo's SII: the local simulator on 127.0.0.1, trusting the demo shop's local CAF authority.

So a newcomer's demo stamps, signs, sends and sees boletas accepted without the real SII.
"""

from __future__ import annotations

import socket
from dataclasses import replace

from appliance.settings import Settings
from appliance.sii import folios
from appliance.sii.simulator import SiiSimulator, SimulatorConfig, SimulatorServer
from appliance.sii.simulator.state import load_caf_key


def start_simulator(settings: Settings) -> tuple[SimulatorServer, Settings]:
    """Start the simulator in a background thread; returns it and the settings pointing the app at it."""
    key = load_caf_key(folios.local_authority_path(settings.secrets_dir).read_bytes())
    simulator = SiiSimulator(
        SimulatorConfig(state_dir=settings.data_dir / "sii-simulator", trusted_caf_keys=(key,), processing_delay=2.0)
    )
    with socket.socket() as probe:  # a free port on loopback only
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SimulatorServer(simulator, port=port)
    server.start()
    return server, replace(settings, sii_url=server.url)
