"""Counter scales: the `Scale` protocol, `SerialScale` over a protocol table, `SimulatedScale`, and `probe()`."""

from drivers.scale.errors import (
    DeviceOffline,
    ScaleCommandUnsupported,
    ScaleError,
    ScaleOverRange,
    ScaleProtocolError,
    ScaleUnderRange,
    ScaleUnstable,
    ScaleZeroError,
)
from drivers.scale.health import Health, HealthState
from drivers.scale.interface import Scale
from drivers.scale.probe import probe
from drivers.scale.protocols import (
    CAS_22,
    METTLER_TOLEDO_8217,
    PROTOCOLS,
    ST_US_CONTINUOUS,
    ScaleProtocol,
    protocol_named,
)
from drivers.scale.serial_scale import SerialScale
from drivers.scale.simulated import SimulatedScale
from drivers.scale.weight import Frame, ScaleStatus, Weight

UnderRange = ScaleUnderRange  # the name the design brief uses

__all__ = [
    "CAS_22",
    "METTLER_TOLEDO_8217",
    "PROTOCOLS",
    "ST_US_CONTINUOUS",
    "DeviceOffline",
    "Frame",
    "Health",
    "HealthState",
    "Scale",
    "ScaleCommandUnsupported",
    "ScaleError",
    "ScaleOverRange",
    "ScaleProtocol",
    "ScaleProtocolError",
    "ScaleStatus",
    "ScaleUnderRange",
    "ScaleUnstable",
    "ScaleZeroError",
    "SerialScale",
    "SimulatedScale",
    "UnderRange",
    "Weight",
    "probe",
    "protocol_named",
]
