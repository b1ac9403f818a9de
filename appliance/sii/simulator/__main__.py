"""`python -m appliance.sii.simulator --host 127.0.0.1 --port 8123 --state-dir DIR --trust-caf-key PEM …`"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from appliance.core.text import is_digits
from appliance.sii.caf_issuer import LOCAL_IDK
from appliance.sii.simulator.simulator import SiiSimulator
from appliance.sii.simulator.state import SimulatorConfig, load_caf_key


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m appliance.sii.simulator",
        description="Un SII local: semilla, token, DTEUpload, QueryEstUp/QueryEstDte y la API REST de boletas.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="dirección donde escuchar (por defecto 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--state-dir", type=Path, required=True, help="donde guarda envíos, estados y conteos")
    parser.add_argument(
        "--trust-caf-key",
        action="append",
        default=[],
        metavar="[IDK=]PEM",
        help=f"llave (pública o privada, PEM) que firma CAF, además de las del SII (IDK por defecto {LOCAL_IDK})",
    )
    parser.add_argument("--processing-delay", type=float, default=2.0, help="segundos de REC a EPR")
    parser.add_argument("--token-ttl", type=float, default=3600.0, help="vigencia de un token, en segundos")
    parser.add_argument(
        "--reject-at-upload", action="store_true", help="DTEUpload responde STATUS 7/8 en vez de RSC/RFR después"
    )
    args = parser.parse_args(argv)

    keys = []
    for spec in args.trust_caf_key:
        idk_text, separator, path = spec.partition("=")
        if separator and is_digits(idk_text):
            keys.append(load_caf_key(Path(path).read_bytes(), int(idk_text)))
        else:
            keys.append(load_caf_key(Path(spec).read_bytes()))
    config = SimulatorConfig(
        state_dir=args.state_dir,
        trusted_caf_keys=tuple(keys),
        processing_delay=args.processing_delay,
        token_ttl=args.token_ttl,
        reject_at_upload=args.reject_at_upload,
    )
    simulator = SiiSimulator(config)
    uvicorn.run(simulator.app, host=args.host, port=args.port, log_level="info", lifespan="off")


if __name__ == "__main__":
    main()
