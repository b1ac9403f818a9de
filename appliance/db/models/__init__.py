"""Every mapped table, imported here so Alembic and the app see one complete metadata."""

from appliance.db.base import Base
from appliance.db.models.catalog import ADDITIONAL_TAX_CODES, Category, PriceChange, Product, ProductBarcode
from appliance.db.models.company import BarcodeLayout, Company, Setting
from appliance.db.models.parties import Customer, CustomerAccountEntry, Supplier
from appliance.db.models.pos import (
    CASH_MOVEMENT_KINDS,
    Cart,
    CartLine,
    CashMovement,
    CashSession,
    Device,
    Lane,
    OutboxEntry,
    PairingCode,
    PinFailure,
    PinLock,
)
from appliance.db.models.promotions import PROMOTION_KINDS, Promotion, PromotionTarget
from appliance.db.models.sales import Payment, PaymentMethod, ReturnLine, Sale, SaleLine, SaleReturn
from appliance.db.models.sii import DOCUMENT_STATES, CafRange, Document, Envelope
from appliance.db.models.stock import Location, StockLevel, StockMove, StockReason
from appliance.db.models.users import AuditEntry, LoginSession, Role, User

__all__ = [
    "ADDITIONAL_TAX_CODES",
    "CASH_MOVEMENT_KINDS",
    "DOCUMENT_STATES",
    "PROMOTION_KINDS",
    "AuditEntry",
    "BarcodeLayout",
    "Base",
    "CafRange",
    "Cart",
    "CartLine",
    "CashMovement",
    "CashSession",
    "Category",
    "Company",
    "Customer",
    "CustomerAccountEntry",
    "Device",
    "Document",
    "Envelope",
    "Lane",
    "Location",
    "LoginSession",
    "OutboxEntry",
    "PairingCode",
    "Payment",
    "PaymentMethod",
    "PinFailure",
    "PinLock",
    "PriceChange",
    "Product",
    "ProductBarcode",
    "Promotion",
    "PromotionTarget",
    "ReturnLine",
    "Role",
    "Sale",
    "SaleLine",
    "SaleReturn",
    "Setting",
    "StockLevel",
    "StockMove",
    "StockReason",
    "Supplier",
    "User",
]
