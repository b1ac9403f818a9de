"""Fictional people and companies for the demo: the shop itself, its suppliers and its customers.

Every name, RUT, address and phone number here is invented. RUT numbers are chosen in the ranges the Registro Civil
and the SII use (people 5–25 million, companies 76–78 million, non-profits 65 million) and their verification digits
are computed, so they validate; any match with a real taxpayer is a coincidence. E-mail addresses use the reserved
`.example` domain so the demo can never write to a real mailbox.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Literal

from appliance.core.rut import compute_dv

CustomerKind = Literal["vecino", "empresa"]
PaymentTerms = Literal[0, 15, 30]

# Código de actividad económica del SII (clasificador CIIU4.CL 2012) for an almacén or minimarket. 471100 is the one
# for supermercados e hipermercados, not for a corner shop.
ACTECO_MINIMARKET = 472101
ACTECO_MINIMARKET_NAME = "Venta al por menor de alimentos en comercios especializados (almacenes pequeños y minimarket)"


def rut_for(number: int) -> str:
    """The compact form the database and the SII use: "76543210-3"."""
    return f"{number}-{compute_dv(number)}"


@dataclass(frozen=True)
class CompanySpec:
    rut: str
    razon_social: str
    nombre_fantasia: str
    giro: str
    actecos: tuple[int, ...]
    address: str
    comuna: str
    ciudad: str
    phone: str
    email: str
    sii_office: str
    resolution_number: int
    resolution_date: date
    environment: Literal["certificacion", "produccion"]


@dataclass(frozen=True)
class SupplierSpec:
    rut: str
    razon_social: str
    giro: str
    address: str
    comuna: str
    contact_name: str
    phone: str
    email: str
    payment_terms_days: PaymentTerms
    supplies: tuple[str, ...]  # top-level catalog categories it delivers


@dataclass(frozen=True)
class CustomerSpec:
    kind: CustomerKind
    rut: str | None  # a fiado neighbour may never have given one
    name: str
    giro: str  # at most 40 characters, the length of GiroRecep in a DTE
    address: str
    comuna: str
    email: str
    phone: str
    credit_limit: int  # pesos of fiado allowed; 0 for companies that pay each factura on delivery
    blocked: bool


def generate_company() -> CompanySpec:
    """The shop: a one-person SpA, as most minimarkets that issue their own DTEs are."""
    return CompanySpec(
        rut=rut_for(77_384_512),
        razon_social="Comercial Almacén El Copihue SpA",
        nombre_fantasia="Minimarket El Copihue",
        giro="Venta al por menor en comercios de alimentos",
        actecos=(ACTECO_MINIMARKET,),
        address="Los Jazmines 1847",
        comuna="Ñuñoa",
        ciudad="Santiago",
        phone="+56 2 2274 3190",
        email="contacto@elcopihue.example",
        # Ñuñoa belongs to the SII's Dirección Regional Santiago Oriente.
        sii_office="S.I.I. - Santiago Oriente",
        # The SII gives every emisor in certificación resolution number 0, dated the day it authorised the set.
        resolution_number=0,
        resolution_date=date(2026, 1, 12),
        environment="certificacion",
    )


_SUPPLIERS: tuple[tuple[int, str, str, str, str, str, str, PaymentTerms, tuple[str, ...]], ...] = (
    (
        76_418_230,
        "Distribuidora Andes Sur Ltda.",
        "Venta al por mayor de abarrotes",
        "Avenida Lo Espejo 2150",
        "Lo Espejo",
        "Rodrigo Fuentealba",
        "ventas@andessur.example",
        30,
        ("Abarrotes",),
    ),
    (
        76_902_115,
        "Comercial Los Boldos SpA",
        "Venta al por mayor de abarrotes y artículos de aseo",
        "Camino a Melipilla 9876, bodega 4",
        "Maipú",
        "Carolina Sepúlveda",
        "pedidos@losboldos.example",
        15,
        ("Abarrotes", "Limpieza"),
    ),
    (
        77_105_644,
        "Lácteos del Ranco Distribución Ltda.",
        "Venta al por mayor de productos lácteos",
        "Avenida Américo Vespucio 4410",
        "Quilicura",
        "Marcelo Vergara",
        "despacho@lacteosranco.example",
        15,
        ("Lácteos",),
    ),
    (
        76_553_871,
        "Bebidas Cordillera Distribuidora SpA",
        "Venta al por mayor de bebidas no alcohólicas",
        "Avenida Departamental 1290",
        "San Joaquín",
        "Patricio Navarrete",
        "preventa@bebcordillera.example",
        0,
        ("Bebidas", "Envases"),
    ),
    (
        77_240_318,
        "Panificadora La Espiga Dorada Ltda.",
        "Elaboración de productos de panadería",
        "Los Talaveras 345",
        "Macul",
        "Nelson Araya",
        "panaderia@espigadorada.example",
        0,
        ("Panadería",),
    ),
    (
        76_731_902,
        "Cecinas y Fiambres El Roble SpA",
        "Venta al por mayor de carnes y productos cárnicos",
        "Avenida Lo Ovalle 1745",
        "San Miguel",
        "Gloria Henríquez",
        "ventas@fiambreselroble.example",
        15,
        ("Fiambrería",),
    ),
    (
        77_018_455,
        "Hortalizas Hermanos Quiroz Ltda.",
        "Venta al por mayor de frutas y verduras",
        "Calle Nueva 1200, local 88",
        "Pedro Aguirre Cerda",
        "Héctor Quiroz",
        "hquiroz@hortalizasquiroz.example",
        0,
        ("Frutas y verduras",),
    ),
    (
        76_295_517,
        "Tabacos y Confites Mapocho Ltda.",
        "Venta al por mayor de productos de tabaco y confites",
        "Avenida Presidente Balmaceda 2233",
        "Santiago",
        "Iván Cárdenas",
        "pedidos@confitesmapocho.example",
        15,
        ("Cigarrillos", "Snacks y confites"),
    ),
    (
        76_644_093,
        "Vinos y Licores El Parronal SpA",
        "Venta al por mayor de bebidas alcohólicas",
        "Avenida Santa Rosa 5120",
        "La Granja",
        "Francisca Olivares",
        "ventas@elparronal.example",
        30,
        ("Alcoholes",),
    ),
    (
        77_512_760,
        "Cervecera Distribuciones Pehuén Ltda.",
        "Venta al por mayor de cervezas",
        "Avenida Las Industrias 3340",
        "Cerrillos",
        "Sebastián Muñoz",
        "pehuen@cervpehuen.example",
        15,
        ("Alcoholes", "Envases"),
    ),
    (
        76_187_664,
        "Higiene Total Distribuciones SpA",
        "Venta al por mayor de artículos de perfumería, tocador y cosméticos",
        "Avenida Vicuña Mackenna 6890",
        "La Florida",
        "Daniela Troncoso",
        "ventas@higienetotal.example",
        30,
        ("Higiene personal", "Limpieza"),
    ),
    (
        77_633_209,
        "Congelados Patagonia Frío Ltda.",
        "Venta al por mayor de alimentos congelados",
        "Avenida General Velásquez 1430",
        "Estación Central",
        "Jorge Saavedra",
        "frio@patagoniafrio.example",
        15,
        ("Congelados",),
    ),
    (
        76_820_471,
        "Alimentos para Mascotas Cuatro Patas SpA",
        "Venta al por mayor de alimentos para animales",
        "Avenida Pajaritos 3105",
        "Maipú",
        "Valentina Rebolledo",
        "contacto@cuatropatas.example",
        30,
        ("Mascotas",),
    ),
    (
        77_290_836,
        "Snacks y Golosinas Dulce Hogar Ltda.",
        "Venta al por mayor de confites y productos de snack",
        "Avenida Recoleta 2876",
        "Recoleta",
        "Cristián Pizarro",
        "ventas@dulcehogar.example",
        0,
        ("Snacks y confites",),
    ),
    (
        76_376_158,
        "Mayorista San Pablo Abastecimiento SpA",
        "Venta al por mayor no especializada",
        "Avenida San Pablo 7700",
        "Pudahuel",
        "Alejandra Gutiérrez",
        "clientes@mayoristasanpablo.example",
        0,
        ("Abarrotes", "Lácteos", "Limpieza", "Higiene personal"),
    ),
)


def generate_suppliers() -> list[SupplierSpec]:
    """Fifteen fictional distributors around Santiago, with their payment terms and what they deliver."""
    return [
        SupplierSpec(
            rut=rut_for(number),
            razon_social=razon_social,
            giro=giro,
            address=address,
            comuna=comuna,
            contact_name=contact,
            # Landlines in Santiago: +56 2 2xxx xxxx. Derived from the RUT so each is stable and distinct.
            phone=f"+56 2 2{number % 1000:03d} {number // 1000 % 10000:04d}",
            email=email,
            payment_terms_days=terms,
            supplies=supplies,
        )
        for number, razon_social, giro, address, comuna, contact, email, terms, supplies in _SUPPLIERS
    ]


_FIRST_NAMES = (
    "María José", "Juan Carlos", "Ana María", "José Luis", "Carmen Gloria", "Luis Alberto", "Patricia", "Jorge",
    "Claudia", "Francisco", "Verónica", "Manuel", "Marcela", "Pedro", "Rosa", "Sergio", "Javiera", "Cristóbal",
    "Camila", "Matías", "Catalina", "Benjamín", "Fernanda", "Ignacio", "Ximena", "Hernán", "Margarita", "Raúl",
    "Soledad", "Gonzalo", "Constanza", "Víctor", "Lorena", "Eduardo", "Paulina", "Héctor", "Daniela", "Tomás",
    "Isidora", "René",
)  # fmt: skip
_SURNAMES = (
    "González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez", "Sepúlveda", "Morales",
    "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya", "Flores", "Espinoza", "Valenzuela", "Castillo",
    "Tapia", "Reyes", "Gutiérrez", "Castro", "Pizarro", "Álvarez", "Vásquez", "Sánchez", "Fernández", "Ramírez",
    "Carrasco", "Gómez", "Cortés", "Herrera", "Núñez", "Jara", "Vergara", "Rivera", "Figueroa",
)  # fmt: skip
# Streets near the shop, in Ñuñoa and the comunas around it.
_STREETS = (
    ("Los Jazmines", "Ñuñoa"),
    ("Exequiel Fernández", "Ñuñoa"),
    ("Avenida Grecia", "Ñuñoa"),
    ("Juan Moya", "Ñuñoa"),
    ("Pedro de Valdivia", "Ñuñoa"),
    ("Los Alerces", "Ñuñoa"),
    ("Hamburgo", "Ñuñoa"),
    ("Pasaje Las Dalias", "Ñuñoa"),
    ("Rodrigo de Araya", "Macul"),
    ("Los Plátanos", "Macul"),
    ("Avenida Quilín", "Macul"),
    ("Ramón Cruz", "La Reina"),
    ("Pasaje Los Copihues", "Peñalolén"),
)

_COMPANY_CUSTOMERS: tuple[tuple[int, str, str, str, str, int], ...] = (
    (
        77_451_903,
        "Restaurante Sabor Casero SpA",
        "Restaurantes y cocinerías",
        "Avenida Grecia 2456",
        "Ñuñoa",
        0,
    ),
    (
        76_983_207,
        "Sociedad Educacional Jardín Pequeños Pasos Ltda.",
        "Enseñanza preescolar",
        "Juan Moya 1120",
        "Ñuñoa",
        150_000,
    ),
    (
        77_128_540,
        "Taller Mecánico Hermanos Bravo Ltda.",
        "Reparación de vehículos automotores",
        "Rodrigo de Araya 3340",
        "Macul",
        0,
    ),
    (
        76_640_318,
        "Peluquería y Estética Valentina SpA",
        "Peluquería y tratamientos de belleza",
        "Exequiel Fernández 980",
        "Ñuñoa",
        0,
    ),
    (
        65_148_272,
        "Junta de Vecinos Villa Los Jazmines",
        "Actividades de asociaciones vecinales",
        "Pasaje Las Dalias 45",
        "Ñuñoa",
        50_000,
    ),
    (
        77_806_115,
        "Constructora Altos del Parque SpA",
        "Construcción de edificios",
        "Pedro de Valdivia 5210",
        "Ñuñoa",
        0,
    ),
)

NEIGHBOUR_COUNT = 40


def generate_customers(seed: int = 7) -> list[CustomerSpec]:
    """About 40 neighbours with a fiado account (two of them blocked) and six companies that ask for facturas."""
    rng = random.Random(seed)
    used_ruts: set[int] = set()
    used_names: set[str] = set()
    used_phones: set[str] = set()
    customers: list[CustomerSpec] = []
    blocked = set(rng.sample(range(NEIGHBOUR_COUNT), 2))
    without_rut = set(rng.sample(sorted(set(range(NEIGHBOUR_COUNT)) - blocked), 3))
    for i in range(NEIGHBOUR_COUNT):
        while True:
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)} {rng.choice(_SURNAMES)}"
            if name not in used_names:
                break
        used_names.add(name)
        while True:
            number = rng.randrange(5_000_000, 25_000_000)
            if number not in used_ruts:
                break
        used_ruts.add(number)
        while True:
            phone = f"+56 9 {rng.randrange(5000, 10000)} {rng.randrange(10000):04d}"
            if phone not in used_phones:
                break
        used_phones.add(phone)
        street, comuna = rng.choice(_STREETS)
        address = f"{street} {rng.randrange(100, 4000)}"
        if rng.random() < 0.3:
            address += f", depto {rng.randrange(1, 20)}0{rng.randrange(1, 8)}"
        customers.append(
            CustomerSpec(
                kind="vecino",
                rut=None if i in without_rut else rut_for(number),
                name=name,
                giro="",
                address=address,
                comuna=comuna,
                email="" if rng.random() < 0.6 else f"vecino{i + 1:02d}@correo.example",
                phone=phone,
                credit_limit=rng.randrange(20_000, 150_001, 5_000),
                blocked=i in blocked,
            )
        )
    for number, name, giro, address, comuna, credit in _COMPANY_CUSTOMERS:
        customers.append(
            CustomerSpec(
                kind="empresa",
                rut=rut_for(number),
                name=name,
                giro=giro,
                address=address,
                comuna=comuna,
                email=f"facturas{number % 1000:03d}@empresa.example",
                phone=f"+56 9 {6000 + number % 4000} {number // 1000 % 10000:04d}",
                credit_limit=credit,
                blocked=False,
            )
        )
    return customers
