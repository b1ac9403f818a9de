"""The SII queue against the local simulator over real HTTP: an outage during 300 sales with a restart in the
middle, and each injected fault ending in the right state with a readable message."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.core.clock import FixedClock
from appliance.db.engine import Database
from appliance.db.models import Document, Envelope, Lane
from appliance.db.models import PaymentMethod as M
from appliance.sales import cart, checkout
from appliance.sales.tenders import Tender
from appliance.settings import Settings
from appliance.sii import folios
from appliance.sii.clients import SiiHosts
from appliance.sii.queue import QueueConfig, SiiQueue, retry_document
from appliance.sii.simulator import SiiSimulator, SimulatorConfig, SimulatorServer
from appliance.sii.simulator.state import Endpoint, load_caf_key
from tests.support import make_shop

MILK = "7802820005509"
CONFIG = QueueConfig(batch=200, base_delay=1, max_delay=5, poll_delay=0.2, max_poll_delay=1)


@pytest.fixture
def shop(tmp_path: Path) -> Settings:
    return make_shop(tmp_path / "shop")


@pytest.fixture
def server(tmp_path: Path, shop: Settings) -> Iterator[SimulatorServer]:
    key = load_caf_key(folios.local_authority_path(shop.secrets_dir).read_bytes())
    simulator = SiiSimulator(SimulatorConfig(state_dir=tmp_path / "sii", trusted_caf_keys=(key,), processing_delay=0.1))
    running = SimulatorServer(simulator)
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def db(shop: Settings) -> AsyncIterator[Database]:
    database = Database(shop.database_path)
    async with database.write() as s:
        await catalog.create(
            s,
            parse_product({"code": "L1", "name": "Leche Entera 1 L", "price": "1.190", "barcodes": MILK}),
            user_id=None,
        )
        for n in (1, 2, 3):
            s.add(Lane(code=f"caja-{n}", name=f"Caja {n}"))
        await s.flush()
        for n in (1, 2, 3):
            await cash.open_session(s, n, user_id=1, opening_float=0, now=datetime.now(UTC))
    yield database
    await database.dispose()


def _queue(db: Database, shop: Settings, server: SimulatorServer, clock: FixedClock) -> SiiQueue:
    url = server.url
    return SiiQueue(
        db, shop.secrets_dir, lambda _company: SiiHosts.local(url), clock=clock, config=CONFIG, rng=random.Random(1)
    )


async def _sell(db: Database, shop: Settings, lanes: int, per_lane: int) -> None:
    async def lane(lane_id: int) -> None:
        for _ in range(per_lane):
            async with db.write() as s:
                await cart.add_scan(s, lane_id, MILK)
                await checkout.checkout(
                    s,
                    lane_id,
                    [Tender(M.DEBITO, 1_190)],
                    cashier_id=1,
                    now=datetime.now(UTC),
                    secrets_dir=shop.secrets_dir,
                )

    await asyncio.gather(*(lane(n) for n in range(1, lanes + 1)))


async def _drain(queue: SiiQueue, db: Database, clock: FixedClock, rounds: int = 40) -> None:
    for _ in range(rounds):
        clock.advance(timedelta(seconds=10))
        await queue.run_once()
        async with db.read() as s:
            open_docs = await s.scalar(
                select(func.count()).select_from(Document).where(Document.state.in_(("pendiente", "enviado")))
            )
        if not open_docs:
            return
        await asyncio.sleep(0.15)  # the simulator processes REC → EPR in real time


async def _states(db: Database) -> dict[str, int]:
    async with db.read() as s:
        return dict((await s.execute(select(Document.state, func.count()).group_by(Document.state))).all())


async def test_outage_300_sales_restart_then_every_document_accepted_exactly_once(
    shop: Settings, server: SimulatorServer, db: Database
) -> None:
    clock = FixedClock(datetime.now(UTC))
    server.stop()  # the internet is down: connections refused
    await _sell(db, shop, lanes=3, per_lane=100)
    queue = _queue(db, shop, server, clock)
    report = await queue.run_once()
    assert report.packed == 300 and report.uploaded == 0 and report.errors  # packed, and waiting
    assert await _states(db) == {"pendiente": 300}
    async with db.read() as s:
        envelopes = list(await s.scalars(select(Envelope)))
    # The first upload found the SII unreachable; the rest were not even tried (no hammering during an outage).
    assert len(envelopes) == 2 and all(e.track_id is None for e in envelopes)
    assert [e.attempts for e in envelopes] == [1, 0]
    assert envelopes[0].last_error

    # The box restarts in the middle of the outage: a new process, the same database.
    await queue.close()
    await db.dispose()
    db2 = Database(shop.database_path)
    try:
        server.start()  # the internet is back
        queue2 = _queue(db2, shop, server, clock)
        await _drain(queue2, db2, clock)
        await queue2.close()
        assert await _states(db2) == {"aceptado": 300}
        async with db2.read() as s:
            folios_issued = list(await s.scalars(select(Document.folio).where(Document.tipo == 39)))
            assert await s.scalar(select(func.count()).select_from(Envelope)) == 2  # never re-packed
        simulator = server.simulator
        assert sorted(folios_issued) == list(range(1, 301))
        assert {simulator.upload_count(39, folio) for folio in folios_issued} == {1}
    finally:
        await db2.dispose()


@pytest.mark.parametrize(
    ("fault", "expected_error"),
    [
        ("timeout", "sii"),
        ("http500", "sii"),
        ("html", "sii"),
        ("busy", "sii"),
    ],
)
async def test_transient_faults_back_off_then_the_documents_are_accepted(
    shop: Settings, server: SimulatorServer, db: Database, fault: str, expected_error: str
) -> None:
    clock = FixedClock(datetime.now(UTC))
    await _sell(db, shop, lanes=1, per_lane=3)
    simulator = server.simulator
    if fault == "timeout":
        simulator.hang(8, endpoints=[Endpoint.UPLOAD])
    elif fault == "http500":
        simulator.fail_500(endpoints=[Endpoint.UPLOAD])
    elif fault == "html":
        simulator.answer_html(endpoints=[Endpoint.UPLOAD])
    else:
        simulator.busy(status=429, retry_after=30, endpoints=[Endpoint.UPLOAD])
    queue = _queue(db, shop, server, clock)
    await queue.run_once()
    async with db.read() as s:
        envelope = await s.scalar(select(Envelope))
    assert envelope is not None and envelope.track_id is None and envelope.last_error
    assert expected_error in envelope.last_error.lower()
    if fault == "busy":  # Retry-After honoured: not before 30 s
        assert envelope.next_attempt_at - clock.now() >= timedelta(seconds=29)
    await _drain(queue, db, clock)
    await queue.close()
    assert await _states(db) == {"aceptado": 3}
    assert {simulator.upload_count(39, f) for f in (1, 2, 3)} == {1}


async def test_rejection_and_reparo_per_document_are_stored_with_the_sii_text(
    shop: Settings, server: SimulatorServer, db: Database
) -> None:
    clock = FixedClock(datetime.now(UTC))
    await _sell(db, shop, lanes=1, per_lane=3)
    server.simulator.reject(39, 2, "Error en Monto Total")
    server.simulator.reparo(39, 3, "Giro del receptor incompleto")
    queue = _queue(db, shop, server, clock)
    await _drain(queue, db, clock)
    async with db.read() as s:
        docs = {d.folio: d for d in await s.scalars(select(Document))}
    assert docs[1].state == "aceptado"
    assert docs[2].state == "rechazado" and "Error en Monto Total" in docs[2].sii_detail
    assert docs[3].state == "reparo" and "Giro del receptor" in docs[3].sii_detail

    # After fixing the cause, the administrator retries the rejected one: a new envelope, uploaded once.
    server.simulator.clear_faults()
    await retry_document(db, docs[2].id)
    await _drain(queue, db, clock)
    await queue.close()
    assert (await _states(db))["aceptado"] == 2
