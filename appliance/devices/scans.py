"""A scan read on the box's own scanner: into the lane's cart, and straight to the lane's tablet (server-sent event).

The hardware drivers and the simulated scanner both end here, so the demo exercises the same path as a real shop.
"""

from __future__ import annotations

from appliance.core.errors import DomainError
from appliance.db.engine import Database
from appliance.pos.events import LaneHub
from appliance.sales import cart, returns


async def box_scan(db: Database, hub: LaneHub, lane_id: int, code: str) -> tuple[bool, str]:
    """Add the scanned code to the lane's cart. Returns (added, message for the cashier).

    A receipt's timbre read here is not a product: the cart stays as it is, and the notice names the document so
    the lane's return screen opens that sale."""
    reference = returns.scanned_timbre(code)
    if reference is not None:
        async with db.read() as session:
            version = (await cart.view(session, lane_id)).version
        message = f"Recibo de la {reference.name}: para devolver, abra Devolución."
        await hub.publish(lane_id, version, message, receipt=f"{reference.tipo}-{reference.folio}")
        return True, message
    try:
        async with db.write(durable=False) as session:  # a cart change: see db/engine.py
            line = await cart.add_scan(session, lane_id, code)
            message = f"{line.description} agregado"
            version = (await cart.view(session, lane_id)).version
    except DomainError as exc:
        async with db.read() as session:
            version = (await cart.view(session, lane_id)).version
        # Tell the tablet even so: the cashier must see (and hear) that the code was not found; alcohol out of hours
        # comes with what the tablet needs to offer the supervisor's authorisation.
        blocked = (exc.product_id, exc.quantity) if isinstance(exc, cart.AlcoholBlocked) else None
        await hub.publish(lane_id, version, exc.message, ok=False, alcohol=blocked)
        return False, exc.message
    await hub.publish(lane_id, version, message)
    return True, message
