"""A believable catalog for a Chilean almacén de barrio / minimarket, as plain data.

`generate_catalog(seed)` combines brands × products × variants × sizes from the tables below into about 1.800
products with realistic 2026 prices (gross pesos, IVA and any ILA included, ending in 0 or 90 as shops price them),
valid EAN-13 barcodes (mostly the Chilean GS1 prefix 780), scale PLUs for what is sold by weight, net unit costs
with a margin that fits each trade, and opening stock in the sala and the bodega. The product list is the same for
every seed; the seed only moves prices, costs, stock and barcodes a little, so two calls with one seed are equal.

Nothing here touches the database: a loader turns `Catalog` into rows. Quantities (stock, min_stock) are milli-units,
so a kg item's 12,5 kg is 12500.

Tax: almost everything a minimarket sells is afecto a IVA, fresh produce and bread included (Chile has no reduced
rate). The only `tax="exento"` products are the container deposits in Envases: a garantía por depósito de envases is
not part of the IVA base and goes on a DTE line with IndExe 3 ("Garantía por Depósito/Envase", see DTE_v10.xsd), so it
must not be charged IVA; the SII layer can tell them apart from other exento lines by their category.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from appliance.core.barcodes import ean_check_digit
from appliance.core.text import is_digits

Unit = Literal["unit", "kg"]
Tax = Literal["afecto", "exento"]

SHORT_NAME_MAX = 24
NAME_MAX = 80  # products.name is String(80)

# ILA rates by the SII's codes, to take them out of the gross price when computing a net cost.
ILA_RATES: dict[int, float] = {24: 0.315, 25: 0.205, 26: 0.205, 27: 0.10, 271: 0.18}
IVA_RATE = 0.19

ENVASES = "Envases"


@dataclass(frozen=True)
class CategorySpec:
    path: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def parent(self) -> tuple[str, ...] | None:
        return self.path[:-1] or None


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    short_name: str
    category: tuple[str, ...]
    unit: Unit
    price: int
    tax: Tax
    additional_tax: int | None
    is_alcohol: bool
    is_tobacco: bool
    age_restricted: bool
    container_code: str | None
    plu: str | None
    barcodes: tuple[str, ...]
    min_stock: int
    unit_cost: int
    stock_sala: int
    stock_bodega: int

    @property
    def weighed(self) -> bool:
        return self.unit == "kg"


@dataclass(frozen=True)
class Catalog:
    categories: list[CategorySpec]
    products: list[ProductSpec]

    def by_code(self) -> dict[str, ProductSpec]:
        return {product.code: product for product in self.products}


# --- The tables ----------------------------------------------------------------------------------------------------

# How a product is sold: scanned by barcode, weighed (kg, PLU), counted at the scale (per unit, PLU, e.g. a lettuce),
# or keyed by its code (the container deposits, which have no barcode of their own: the bottle carries the drink's).
Sold = Literal["barcode", "weighed", "plu_unit", "keyed"]


@dataclass(frozen=True)
class _Size:
    label: str  # as printed in the name: "1,5 L", "Lata 350 ml", "2 L Retornable"
    factor: float  # price multiplier against the line's base size
    container: str | None = None  # key of the deposit in _ENVASES


@dataclass(frozen=True)
class _Line:
    category: tuple[str, ...]
    template: str  # fields: {product} {variant} {brand} {size}
    product: str
    brands: tuple[tuple[str, float], ...]  # (brand, price factor)
    variants: tuple[tuple[str, int], ...]  # (variant, base price in pesos)
    sizes: tuple[_Size, ...]
    ila: int | None
    sold: Sold


def _s(label: str, factor: float = 1.0, container: str | None = None) -> _Size:
    return _Size(label, factor, container)


_ONE = (_s(""),)

# The container deposits (ley 21.368 returnables): key → (name, deposit in pesos).
_ENVASES: dict[str, tuple[str, int]] = {
    "ret15": ("Envase Retornable 1,5 L", 400),
    "ret2": ("Envase Retornable 2 L", 450),
    "ret25": ("Envase Retornable 2,5 L", 500),
    "vid125": ("Envase Vidrio Retornable 1,25 L", 400),
    "vid237": ("Envase Vidrio Retornable 237 ml", 150),
    "cerv1l": ("Envase Cerveza 1 L", 250),
    "jaba": ("Jaba Plástica Cerveza 12 Botellas", 3500),
    "bidon20": ("Bidón Retornable Agua 20 L", 6990),
}

# GS1 prefixes of brands whose products are imported (everything else is bottled or packed in Chile: 780).
_COUNTRY: dict[str, str] = {
    "Red Bull": "900",
    "Monster": "070",
    "Carbonell": "841",
    "Heinz": "000",
    "Kikkoman": "871",
    "Dilmah": "479",
    "Lipton": "789",
    "Lavazza": "800",
    "Kellogg's": "779",
    "McCain": "779",
    "Corona": "750",
    "Stella Artois": "779",
    "Heineken": "871",
    "Havana Club": "850",
    "Bacardí": "750",
    "Johnnie Walker": "500",
    "Ballantine's": "500",
    "Chivas Regal": "500",
    "Jack Daniel's": "082",
    "Jim Beam": "080",
    "Absolut": "731",
    "Smirnoff": "779",
    "Beefeater": "500",
    "Gordon's": "500",
    "José Cuervo": "750",
    "Baileys": "539",
    "Martini": "800",
    "Marlboro": "779",
    "Chesterfield": "789",
    "L&M": "779",
    "Golden Virginia": "500",
    "Arcor": "779",
    "Dove": "789",
    "Nivea": "400",
    "Sensodyne": "789",
    "Oral-B": "789",
    "Pampers": "789",
    "Gillette": "789",
    "Bic": "789",
    "Duracell": "541",
    "Energizer": "039",
    "Head & Shoulders": "789",
    "Pantene": "789",
    "Herbal Essences": "789",
    "Ariel": "789",
    "Downy": "789",
    "Whiskas": "779",
    "Pedigree": "779",
    "Trident": "779",
}

_ABBREVIATIONS: dict[str, str] = {
    "Retornable": "Ret",
    "Vidrio": "Vid",
    "Semidescremada": "Semid",
    "Descremada": "Desc",
    "Sin Azúcar": "S/Az",
    "Sin Lactosa": "S/Lact",
    "Sin Polvos": "S/Polv",
    "Con Polvos": "C/Polv",
    "Sin Gas": "S/Gas",
    "Con Gas": "C/Gas",
    "Sin Sal": "S/Sal",
    "Con Sal": "C/Sal",
    "Cabernet Sauvignon": "Cab Sauv",
    "Sauvignon Blanc": "Sauv Bl",
    "Chardonnay": "Chard",
    "Carmenere": "Carmen",
    "Chocolate": "Choc",
    "Frutilla": "Frut",
    "Vainilla": "Vain",
    "Original": "Orig",
    "Integral": "Int",
    "Tradicional": "Trad",
    "Detergente": "Deterg",
    "Papel Higiénico": "Pap Hig",
    "Doble Hoja": "DH",
    "bolsitas": "bols",
    "Pasta Dental": "P Dental",
    "Cigarrillos": "Cig",
    "Cerveza": "Cerv",
    "Concha y Toro": "CyT",
    "Casillero del Diablo": "Casillero",
    "Head & Shoulders": "H&S",
    "Herbal Essences": "Herbal",
    "Alimento para Perro": "Alim Perro",
    "Alimento para Gato": "Alim Gato",
    "Mayonesa": "Mayo",
}


def _brands(spec: str) -> tuple[tuple[str, float], ...]:
    """ "Tucapel@1.05|Miraflores" → (("Tucapel", 1.05), ("Miraflores", 1.0)); "" → one unbranded entry."""
    result: list[tuple[str, float]] = []
    for item in spec.split("|"):
        name, _, factor = item.partition("@")
        result.append((name.strip(), float(factor) if factor else 1.0))
    return tuple(result)


def _v(spec: str) -> tuple[tuple[str, int], ...]:
    """ "Grado 1=2190; Grado 2=1890" → (("Grado 1", 2190), ("Grado 2", 1890))."""
    result: list[tuple[str, int]] = []
    for item in spec.split(";"):
        label, _, price = item.rpartition("=")
        result.append((label.strip(), int(price)))
    return tuple(result)


_DEFAULT = "{product} {variant} {brand} {size}"


def _build_lines() -> tuple[_Line, ...]:
    lines: list[_Line] = []

    def add(
        category: tuple[str, ...],
        product: str,
        brands: str,
        variants: str,
        sizes: tuple[_Size, ...] = _ONE,
        *,
        template: str = _DEFAULT,
        ila: int | None = None,
        sold: Sold = "barcode",
    ) -> None:
        lines.append(_Line(category, template, product, _brands(brands), _v(variants), sizes, ila, sold))

    # ---- Abarrotes
    ab = "Abarrotes"
    add(
        (ab, "Arroz"),
        "Arroz",
        "Tucapel@1.05|Miraflores|Banquete@0.92|Aruba@0.88",
        "Grado 1=2190; Grado 2=1890; Grano Largo Ancho=2090; Integral=2390; Pregraneado=2490; Jazmín=3190",
        (_s("1 kg"),),
    )
    add((ab, "Arroz"), "Arroz", "Tucapel@1.05|Miraflores|Banquete@0.92", "Grado 1=9490; Grado 2=8290", (_s("5 kg"),))
    add(
        (ab, "Fideos"),
        "Fideos",
        "Carozzi@1.05|Lucchetti|Don Vittorio@0.95|Talliani@0.92|Montebello@0.86",
        "Spaghetti 5=1190; Tallarines=1190; Corbatas=1190; Espirales=1190; Cabellos de Ángel=1190; Rigatti=1190;"
        " Mostachones=1190; Coditos=1190; Letras=1190; Dedales=1190; Fetuccini=1290; Caracolitos=1190",
        (_s("400 g"),),
    )
    add(
        (ab, "Fideos"),
        "",
        "Carozzi@1.05|Lucchetti",
        "Láminas para Lasaña=2290; Spaghetti Integral=1490; Ñoquis de Papa=1990",
        (_s("400 g"),),
        template="{variant} {brand} {size}",
    )
    add(
        (ab, "Aceites"),
        "Aceite",
        "Chef@1.05|Belmont|Natura@1.08|Miraflores@0.95|Cocinero@0.9",
        "Vegetal=2790; Maravilla=2990; Canola=3190",
        (_s("1 L"),),
    )
    add((ab, "Aceites"), "Aceite", "Chef@1.05|Belmont", "Vegetal=12990", (_s("5 L"),))
    add(
        (ab, "Aceites"),
        "Aceite de Oliva",
        "Olave|Alonso@1.1|Chef@0.95|Carbonell@1.05",
        "Extra Virgen=5990",
        (_s("250 ml", 0.58), _s("500 ml"), _s("1 L", 1.85)),
    )
    add(
        (ab, "Azúcar y endulzantes"),
        "Azúcar",
        "Iansa@1.05|Campo Lindo@0.92",
        "Blanca Granulada=1390; Flor=1690; Rubia=1890",
        (_s("1 kg"),),
    )
    add((ab, "Azúcar y endulzantes"), "Azúcar", "Iansa", "Blanca Granulada=6490", (_s("5 kg"),))
    add(
        (ab, "Azúcar y endulzantes"),
        "Endulzante",
        "Iansa Cero K|Daily@0.95|Splenda@1.15",
        "Sucralosa Líquido 200 ml=2990; Stevia 100 Sobres=2590",
    )
    add(
        (ab, "Harina y repostería"),
        "Harina",
        "Selecta|Mont Blanc@1.02|Collico@0.95|Favorita@0.9",
        "Sin Polvos=1290; Con Polvos=1390; Integral=1590",
        (_s("1 kg"),),
    )
    add(
        (ab, "Harina y repostería"),
        "",
        "Royal",
        "Polvos de Hornear 100 g=990; Flan Vainilla 8 Porciones=1190; Jalea Frambuesa=590; Jalea Frutilla=590;"
        " Jalea Piña=590; Jalea Naranja=590",
        template="{variant} {brand}",
    )
    add((ab, "Harina y repostería"), "", "Lefersa", "Levadura Seca 10 g=490", template="{variant} {brand}")
    add((ab, "Harina y repostería"), "", "Maizena", "Fécula de Maíz 500 g=1890", template="{brand} {variant}")
    add((ab, "Harina y repostería"), "", "Gourmet", "Chuño 250 g=1190", template="{variant} {brand}")
    add(
        (ab, "Conservas"),
        "Atún",
        "Van Camp's@1.1|San José|Robinson Crusoe@1.05|Angelmó@0.9",
        "Lomitos en Aceite=2290; Lomitos en Agua=2290; Desmenuzado en Aceite=1690",
        (_s("160 g"),),
    )
    add(
        (ab, "Conservas"),
        "Jurel",
        "San José|Angelmó@0.92|Colorado@0.9",
        "Natural=1990; en Salsa de Tomate=2090",
        (_s("425 g"),),
    )
    add(
        (ab, "Conservas"),
        "",
        "San José|Angelmó@0.92",
        "Choritos al Natural 190 g=1990; Almejas al Natural 190 g=2490; Sardinas en Aceite 125 g=1290",
        template="{variant} {brand}",
    )
    add(
        (ab, "Conservas"),
        "",
        "Wasil|Aconcagua@1.05|Dos Caballos@0.95",
        "Duraznos en Mitades 590 g=1990; Piña en Rodajas 565 g=2490; Cóctel de Frutas 820 g=2890;"
        " Choclo Amarillo 300 g=1290; Arvejas 300 g=1190; Porotos Verdes 300 g=1290;"
        " Champiñones Laminados 400 g=1990; Palmitos Enteros 400 g=3990; Tomates Pelados 400 g=1290",
        template="{variant} {brand}",
    )
    add(
        (ab, "Legumbres"),
        "",
        "Tucapel@1.05|Banquete@0.92|Miraflores",
        "Porotos Tórtola=3290; Porotos Coscorrón=3490; Porotos Negros=2990; Porotos Hallados=3590;"
        " Lentejas 6 mm=2490; Lentejas 4 mm=2290; Garbanzos=2890; Arvejas Partidas=1990; Mote de Trigo=1690",
        (_s("1 kg"),),
        template="{variant} {brand} {size}",
    )
    add(
        (ab, "Salsas"),
        "Salsa de Tomate",
        "Pomarola@1.05|Lucchetti|Malloa@0.9",
        "Tradicional=590; Italiana=650; Con Albahaca=650",
        (_s("200 g"), _s("500 g", 2.1)),
    )
    add(
        (ab, "Salsas"),
        "Mayonesa",
        "Hellmann's@1.1|Kraft|JB@0.88",
        "Tradicional=1590; Light=1690",
        (_s("250 g"), _s("500 g", 1.9), _s("1 kg", 3.4)),
    )
    add(
        (ab, "Salsas"),
        "Ketchup",
        "Hellmann's@1.05|JB@0.88|Traverso@0.95|Heinz@1.2",
        "=1290",
        (_s("250 g"), _s("500 g", 1.85), _s("1 kg", 3.3)),
        template="{product} {brand} {size}",
    )
    add(
        (ab, "Salsas"),
        "Mostaza",
        "Hellmann's@1.05|JB@0.88|Traverso@0.95",
        "=1090",
        (_s("250 g"), _s("500 g", 1.85)),
        template="{product} {brand} {size}",
    )
    add(
        (ab, "Salsas"),
        "",
        "Traverso|JB@0.9|Diaguitas@1.05",
        "Ají Pebre 250 g=1190; Ají Verde 250 g=1190; Ají Amarillo 250 g=1290",
        template="{variant} {brand}",
    )
    add(
        (ab, "Salsas"),
        "",
        "Traverso",
        "Salsa de Soya 150 ml=1290; Salsa Inglesa 150 ml=1190",
        template="{variant} {brand}",
    )
    add((ab, "Salsas"), "", "Kikkoman", "Salsa de Soya 150 ml=2090", template="{variant} {brand}")
    add(
        (ab, "Condimentos"),
        "",
        "Gourmet|Marco Polo@0.9|Don Juan@0.85",
        "Orégano=690; Comino Molido=790; Ají de Color=690; Pimienta Negra Molida=990; Merkén=990;"
        " Aliño Completo=690; Ajo en Polvo=890; Laurel=590; Paprika=890; Curry=890; Canela Molida=890;"
        " Nuez Moscada=1090",
        (_s("15 g"),),
        template="{variant} {brand} {size}",
    )
    add(
        (ab, "Condimentos"),
        "Sal",
        "Lobos|Punta de Lobos@1.1|Biosal@1.15",
        "Fina=790; Parrillera=990; de Mar=1290",
        (_s("1 kg"),),
    )
    add(
        (ab, "Condimentos"),
        "",
        "Maggi|Knorr@1.02",
        "Caldo de Gallina 12 Cubos=1590; Caldo de Carne 12 Cubos=1590; Caldo de Verduras 8 Cubos=1290;"
        " Sopa de Pollo con Fideos=890; Crema de Espárragos=1290; Crema de Zapallo=1290; Sopa Minestrone=990",
        template="{variant} {brand}",
    )
    add(
        (ab, "Té y café"),
        "Té",
        "Supremo|Club@0.88|Lipton@1.1|Dilmah@1.3|Cabral@0.95",
        "Negro Ceylán=1290; Verde=1590; Earl Grey=1890",
        (_s("20 bolsitas"), _s("100 bolsitas", 3.1)),
    )
    add(
        (ab, "Té y café"),
        "Infusión",
        "Supremo|Cabral@0.95",
        "Manzanilla=1290; Boldo=1290; Menta=1290; Cedrón=1390; Rosa Mosqueta=1490",
        (_s("20 bolsitas"),),
    )
    add(
        (ab, "Té y café"),
        "Café",
        "Nescafé|Monterrey@0.8|Dolca@0.72",
        "Tradición=7490; Fina Selección=8490; Descafeinado=8990",
        (_s("50 g", 0.36), _s("100 g", 0.64), _s("170 g")),
        template="{product} {brand} {variant} {size}",
    )
    add(
        (ab, "Té y café"),
        "Café Molido",
        "Juan Valdez@1.1|Lavazza@1.2",
        "Tostado Medio=6990",
        (_s("250 g"),),
    )
    add(
        (ab, "Té y café"),
        "",
        "Nestlé",
        "Milo 400 g=4990; Nesquik Chocolate 800 g=6490; Cocoa Amarga 200 g=3990",
        template="{variant} {brand}",
    )
    add(
        (ab, "Cereales"),
        "",
        "Nestlé",
        "Chocapic=3990; Trix=3990; Fitness=4290; Estrellitas=3790; Cheerios=4190",
        (_s("390 g"), _s("730 g", 1.7)),
        template="Cereal {variant} {brand} {size}",
    )
    add(
        (ab, "Cereales"),
        "",
        "Kellogg's",
        "Zucaritas=4190; Corn Flakes=3790; Choco Krispis=4190; Froot Loops=4290; Special K=4790",
        (_s("390 g"), _s("730 g", 1.7)),
        template="Cereal {variant} {brand} {size}",
    )
    add(
        (ab, "Cereales"),
        "Avena",
        "Quaker|Nutra Bien@0.85",
        "Tradicional=2490; Instantánea=2690; Integral=2790",
        (_s("800 g"), _s("1,5 kg", 1.75)),
    )
    add(
        (ab, "Mermeladas y untables"),
        "Mermelada",
        "Watt's|Regimel@1.2|Los Lagos@0.95",
        "Frutilla=1590; Durazno=1490; Damasco=1490; Mora=1690; Frambuesa=1790",
        (_s("250 g"),),
    )

    # ---- Lácteos
    la = "Lácteos"
    add(
        (la, "Leches"),
        "Leche",
        "Colun|Soprole@1.03|Loncoleche@0.97|Surlat@0.95|Calo@0.94",
        "Entera=1290; Semidescremada=1290; Descremada=1290; Sin Lactosa Entera=1490;"
        " Sin Lactosa Semidescremada=1490; Chocolate=1590",
        (_s("1 L"),),
    )
    add(
        (la, "Leches"),
        "Leche",
        "Colun|Soprole@1.03|Loncoleche@0.95",
        "Chocolate=590; Frutilla=590; Vainilla=590; Plátano=590",
        (_s("200 ml"),),
    )
    add(
        (la, "Leches"),
        "",
        "Nestlé",
        "Leche en Polvo Nido Entera 800 g=9490; Leche en Polvo Svelty Descremada 800 g=8990;"
        " Leche Condensada 397 g=2290; Leche Evaporada 397 g=1990",
        template="{variant} {brand}",
    )
    add(
        (la, "Leches"),
        "",
        "Colun",
        "Leche en Polvo Entera 800 g=8490; Leche Condensada 397 g=2090",
        template="{variant} {brand}",
    )
    add(
        (la, "Yogur"),
        "Yogur",
        "Soprole|Colun@0.97|Nestlé@1.02|Loncoleche@0.92|Danone@1.05",
        "Batido Frutilla=490; Batido Vainilla=490; Batido Durazno=490; Batido Mora=490; Natural=490;"
        " Griego Natural=890; con Cereal=690",
        (_s("125 g"),),
    )
    add((la, "Yogur"), "Yogur", "Soprole|Colun@0.97", "Frutilla=2290; Vainilla=2290; Natural=2290", (_s("1 L"),))
    add(
        (la, "Quesos"),
        "Queso",
        "Colun|Quillayes@1.1|Santa Rosa@0.95|Frutillar@0.97",
        "Gauda Laminado=3490; Mantecoso Laminado=3490; Chanco Laminado=3390; Fresco=2990; Parmesano Rallado=2490",
        (_s("250 g"),),
    )
    add(
        (la, "Quesos"),
        "Queso Crema",
        "Philadelphia@1.15|Colun|Soprole@0.98",
        "Original=2190; Light=2290",
        (_s("180 g"),),
    )
    add(
        (la, "Mantequilla y margarina"),
        "Mantequilla",
        "Colun|Soprole@1.03|Calo@0.95|Surlat@0.96",
        "Con Sal=3290; Sin Sal=3290",
        (_s("250 g"), _s("125 g", 0.58)),
    )
    add(
        (la, "Mantequilla y margarina"),
        "Margarina",
        "Doriana|Sureña@0.9|Bonella@0.95",
        "Pote 500 g=2490; Barra 250 g=1290",
    )
    add(
        (la, "Manjar y postres"),
        "Manjar",
        "Colun|Soprole@1.03|Nestlé@1.05",
        "=1490",
        (_s("250 g"), _s("500 g", 1.65), _s("1 kg", 2.85)),
        template="{product} {brand} {size}",
    )
    add(
        (la, "Manjar y postres"),
        "Postre",
        "Soprole|Colun@0.97|Nestlé@1.02",
        "Flan de Vainilla=590; Leche Asada=690; Arroz con Leche=690; Sémola con Leche=690",
        (_s("110 g"),),
    )
    add(
        (la, "Manjar y postres"),
        "Crema",
        "Colun|Soprole@1.03|Nestlé@1.05",
        "de Leche=1290; para Batir=1690",
        (_s("200 ml"),),
    )
    add(
        (la, "Huevos"),
        "Huevos",
        "Yemita|Santa Marta@1.05|Don Emilio@0.95",
        "Blancos Extra=3290; Color Extra=3490",
        (_s("6 un", 0.55), _s("12 un"), _s("30 un", 2.3)),
    )

    # ---- Bebidas. ILA 271 where a drink has more than 15 g of sugar per 240 ml; sugar-free variants pay 27.
    be = "Bebidas"
    full = (
        _s("Lata 350 ml", 0.46),
        _s("591 ml", 0.64),
        _s("1,5 L"),
        _s("2 L", 1.22),
        _s("2,5 L", 1.4),
        _s("3 L", 1.55),
        _s("1,5 L Retornable", 0.68, "ret15"),
        _s("2 L Retornable", 0.82, "ret2"),
        _s("2,5 L Retornable", 0.95, "ret25"),
        _s("237 ml Vidrio Retornable", 0.3, "vid237"),
        _s("1,25 L Vidrio Retornable", 0.62, "vid125"),
    )
    mid = (
        _s("Lata 350 ml", 0.46),
        _s("591 ml", 0.64),
        _s("1,5 L"),
        _s("2 L", 1.22),
        _s("3 L", 1.55),
        _s("2 L Retornable", 0.82, "ret2"),
    )
    small = (_s("Lata 350 ml", 0.46), _s("591 ml", 0.64), _s("1,5 L"), _s("3 L", 1.55))
    soda = "{brand} {variant} {size}"
    add((be, "Gaseosas"), "", "Coca-Cola", "Original=2190; Sin Azúcar=2190; Light=2190", full, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Fanta", "Naranja=1990; Naranja Zero=1990", mid, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Sprite", "Lima Limón=1990; Zero=1990", mid, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Pepsi", "Regular=1890; Zero=1890", mid, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Bilz", "Original=1890; Zero=1890", mid, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Pap", "Original=1890; Zero=1890", mid, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Kem", "Piña=1890; Xtreme Zero=1890", small, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Crush", "Naranja=1790; Naranja Zero=1790", small, template=soda, ila=271)
    add(
        (be, "Gaseosas"),
        "",
        "Canada Dry",
        "Ginger Ale=1990; Ginger Ale Zero=1990; Agua Tónica=1990",
        small,
        template=soda,
        ila=271,
    )
    add((be, "Gaseosas"), "", "Limón Soda", "Original=1890; Zero=1890", small, template=soda, ila=271)
    add((be, "Gaseosas"), "", "Seven Up", "Original=1890; Zero=1890", small, template=soda, ila=271)
    add(
        (be, "Jugos"),
        "Néctar",
        "Watt's|Andina@1.02",
        "Durazno=1990; Naranja=1990; Piña=1990; Damasco=1990; Manzana=1990; Frambuesa=2190",
        (_s("200 ml", 0.33), _s("1 L", 0.82), _s("1,5 L")),
        ila=27,
    )
    add(
        (be, "Jugos"),
        "Jugo",
        "Watt's|Andina@1.02",
        "Naranja Light=1990; Durazno Light=1990; Piña Light=1990",
        (_s("1,5 L"),),
        ila=27,
    )
    # Powdered juice is not a drink until it meets water: no ILA.
    add(
        (be, "Jugos"),
        "Jugo en Polvo",
        "Zuko|Livean@1.05|Caricia@0.9",
        "Naranja=350; Piña=350; Durazno=350; Frutilla=350; Mango=350",
        (_s("25 g"),),
    )
    # Plain mineral or purified water pays no ILA; flavoured water does (27).
    add(
        (be, "Aguas"),
        "Agua Mineral",
        "Cachantun|Vital@0.95|Porvenir@0.9",
        "Sin Gas=1290; Con Gas=1290",
        (_s("500 ml", 0.55), _s("1,6 L")),
    )
    add(
        (be, "Aguas"),
        "Agua Purificada",
        "Benedictino",
        "Sin Gas=1190",
        (_s("500 ml", 0.6), _s("1,5 L"), _s("3 L", 1.6), _s("6 L", 2.5)),
    )
    add((be, "Aguas"), "Agua Purificada", "Benedictino", "Recarga Bidón=3990", (_s("20 L", 1.0, "bidon20"),))
    add(
        (be, "Aguas"),
        "Agua Saborizada",
        "Cachantun|Vital@0.95",
        "Limón=1390; Pomelo=1390; Manzana=1390; Durazno=1390",
        (_s("500 ml", 0.6), _s("1,6 L")),
        ila=27,
    )
    add(
        (be, "Energéticas"),
        "Bebida Energética",
        "Red Bull",
        "Original=1890; Sugarfree=1890; Tropical=1890",
        (_s("250 ml"), _s("355 ml", 1.37), _s("473 ml", 1.7)),
        template="{product} {brand} {variant} {size}",
        ila=271,
    )
    add(
        (be, "Energéticas"),
        "Bebida Energética",
        "Monster",
        "Energy=2290; Ultra Zero=2290; Mango Loco=2290; Pipeline Punch=2290",
        (_s("473 ml"),),
        template="{product} {brand} {variant} {size}",
        ila=271,
    )
    add(
        (be, "Energéticas"),
        "Bebida Energética",
        "Score|Burn@1.05",
        "Original=1390; Zero=1390",
        (_s("500 ml"),),
        template="{product} {brand} {variant} {size}",
        ila=271,
    )
    add(
        (be, "Isotónicas"),
        "Bebida Isotónica",
        "Gatorade|Powerade@0.95",
        "Naranja=1290; Mango=1290; Frutas Tropicales=1290; Mora Azul=1290",
        (_s("500 ml"), _s("1 L", 1.6)),
        template="{product} {brand} {variant} {size}",
        ila=27,
    )
    add(
        (be, "Isotónicas"),
        "Té Helado",
        "Lipton",
        "Limón=1590; Durazno=1590; Verde=1590",
        (_s("500 ml", 0.6), _s("1,5 L")),
        ila=27,
    )

    # ---- Panadería
    pa = "Panadería"
    add(
        (pa, "Pan por kilo"),
        "",
        "",
        "Marraqueta=2490; Hallulla=2490; Dobladita=2690; Colisa=2690; Pan Amasado=2890; Hallulla Integral=2790;"
        " Marraqueta Integral=2690; Pan Frica=2890; Pan de Completo=2790; Pan Integral con Semillas=3490;"
        " Pan Chocoso=2890; Pan de Huevo=3490; Calzones Rotos=5990; Galletas de Campo=4990",
        template="{variant}",
        sold="weighed",
    )
    add(
        (pa, "Pan envasado"),
        "",
        "Ideal|Castaño@0.95",
        "Pan de Molde Blanco=2890; Pan de Molde Integral=3290; Pan Multigrano=3490; Pan Sin Orillas=3190;"
        " Pan de Completo 6 un=1990; Pan Hamburguesa 6 un=2290; Tortillas de Trigo 8 un=2290",
        template="{variant} {brand}",
    )
    add(
        (pa, "Pasteles"),
        "",
        "Ideal",
        "Queque Marmoleado=2490; Queque de Naranja=2490; Donuts Chocolate 2 un=1290; Bizcocho Vainilla=1990;"
        " Brownie 4 un=2490",
        template="{variant} {brand}",
    )
    add(
        (pa, "Pasteles"),
        "",
        "Pastelería Doña Rosa",
        "Torta Tres Leches 8 Porciones=14990; Torta Selva Negra 8 Porciones=16990; Kuchen de Manzana=7990;"
        " Kuchen de Frambuesa=8990; Pie de Limón=8990; Chilenitos 6 un=3990; Berlines 4 un=3590;"
        " Alfajores 6 un=3490; Brazo de Reina=5990; Cachitos de Manjar 4 un=2990; Mil Hojas=12990;"
        " Empolvados 6 un=3490",
        template="{variant} {brand}",
    )

    # ---- Fiambrería: cut to order and weighed, except the packed sausages
    fi = "Fiambrería"
    add(
        (fi, "Jamón"),
        "Jamón",
        "San Jorge|PF@0.95|Llanquihue@1.05|La Preferida",
        "Pierna=11990; Sándwich=7990; Acaramelado=13990; Colonial=12990",
        sold="weighed",
    )
    add((fi, "Jamón"), "Jamón", "Sopraval|San Jorge@1.02|PF@0.97", "de Pavo=9990", sold="weighed")
    add(
        (fi, "Queso laminado"),
        "Queso",
        "Colun|Santa Rosa@0.95|Quillayes@1.1|Frutillar@0.97",
        "Gauda=12990; Mantecoso=12490; Chanco=11990; Mozzarella=12490",
        sold="weighed",
    )
    add(
        (fi, "Mortadela"),
        "Mortadela",
        "San Jorge|PF@0.95|Llanquihue@1.05|La Preferida",
        "Lisa=6490; Bologna=7490; Jamonada=6990",
        sold="weighed",
    )
    add(
        (fi, "Salame"),
        "Salame",
        "San Jorge|PF@0.95|Llanquihue@1.05|La Preferida",
        "Italiano=15990; Milano=16990; Cervecero=14990",
        sold="weighed",
    )
    add(
        (fi, "Arrollados y otros"),
        "",
        "San Jorge|PF@0.95",
        "Arrollado Huaso=10990; Queso de Cabeza=6990; Pastrami=16990; Lomo Ahumado=15990",
        template="{variant} {brand}",
        sold="weighed",
    )
    add(
        (fi, "Vienesas y cecinas envasadas"),
        "",
        "San Jorge|PF@0.95|Llanquihue@1.05|Winter@0.9",
        "Vienesas 20 un=3490; Vienesas de Pollo 20 un=2990; Longaniza 500 g=3990; Paté 125 g=990;"
        " Jamón Sándwich Laminado 250 g=2490",
        template="{variant} {brand}",
    )

    # ---- Frutas y verduras: unbranded, weighed at the scale or counted there (PLU, no barcode)
    fv = "Frutas y verduras"
    add(
        (fv, "Verduras"),
        "",
        "",
        "Papa=1190; Papa Nueva=1490; Tomate=1690; Tomate Cherry=3990; Cebolla=1190; Cebolla Morada=1490;"
        " Zanahoria=1090; Zapallo Italiano=1490; Zapallo Camote=1290; Pimentón Rojo=2990; Pimentón Verde=2490;"
        " Ajo=5990; Pepino=1490; Betarraga=1290; Porotos Verdes=2990; Champiñón París=4990; Berenjena=1990;"
        " Jengibre=5990; Camote=2490; Poroto Granado=2990; Haba=2490",
        template="{variant}",
        sold="weighed",
    )
    add(
        (fv, "Frutas"),
        "",
        "",
        "Palta Hass=4990; Palta Fuerte=3990; Limón=1990; Limón de Pica=3990; Plátano=1490; Manzana Roja=1590;"
        " Manzana Verde=1690; Manzana Fuji=1890; Naranja=1290; Mandarina=1990; Pera=1790; Uva Red Globe=2990;"
        " Uva Thompson=2490; Kiwi=2490; Frutilla=3990; Durazno=2490; Nectarín=2490; Ciruela=2290; Chirimoya=4990;"
        " Pomelo=1990",
        template="{variant}",
        sold="weighed",
    )
    add(
        (fv, "Verduras"),
        "",
        "",
        "Lechuga Escarola=1290; Lechuga Costina=1290; Cilantro Atado=690; Perejil Atado=690; Apio=1490;"
        " Choclo=790; Repollo=1490; Coliflor=1990; Brócoli=1990; Acelga Atado=990; Espinaca Atado=1190",
        (_s("Unidad"),),
        template="{variant} {size}",
        sold="plu_unit",
    )
    add(
        (fv, "Frutas"),
        "",
        "",
        "Piña=2990; Melón Tuna=2490; Sandía=4990; Coco=1990",
        (_s("Unidad"),),
        template="{variant} {size}",
        sold="plu_unit",
    )
    add(
        (fv, "Frutos secos a granel"),
        "",
        "",
        "Nueces Mariposa=14990; Almendras=16990; Maní Tostado=5990; Pasas Morenas=5990; Maní Confitado=7990;"
        " Mix Frutos Secos=13990",
        template="{variant}",
        sold="weighed",
    )

    # ---- Limpieza
    li = "Limpieza"
    add(
        (li, "Detergentes"),
        "Detergente en Polvo",
        "Omo@1.1|Ariel@1.12|Drive@0.9|Popeye@0.8|Ace@0.95",
        "Regular=3490; Aroma Flores=3590",
        (_s("800 g"), _s("1,6 kg", 1.85), _s("3 kg", 3.1)),
    )
    add(
        (li, "Detergentes"),
        "Detergente Líquido",
        "Omo@1.1|Ariel@1.12|Drive@0.9|Popeye@0.8|Ace@0.95",
        "Regular=3990; Ropa Oscura=4290",
        (_s("1 L"), _s("3 L", 2.6)),
    )
    add(
        (li, "Lavalozas"),
        "Lavalozas",
        "Quix|Magistral@1.05|Axion@0.95",
        "Limón=1990; Manzana=1990; Aloe Vera=2090",
        (_s("500 ml"), _s("750 ml", 1.4), _s("1,2 L", 2.1)),
    )
    add(
        (li, "Cloro y desinfectantes"),
        "Cloro",
        "Clorox@1.05|Clorinda|Igenix@0.95",
        "Tradicional=1190; Gel Lavanda=1690",
        (_s("1 L"), _s("2 L", 1.8)),
    )
    add(
        (li, "Cloro y desinfectantes"),
        "Limpiapisos",
        "Poett|Procenex@0.85|Virginia@0.95",
        "Lavanda=1790; Bosque=1790; Primavera=1790; Bebé=1890",
        (_s("900 ml"), _s("1,8 L", 1.7)),
    )
    add(
        (li, "Cloro y desinfectantes"),
        "",
        "Virginia|Mr Músculo@1.1|Cif@1.05",
        "Limpiavidrios=2290; Desengrasante Cocina=2790; Limpiador Baño=2790; Crema Multiuso=2490",
        (_s("500 ml"),),
        template="{variant} {brand} {size}",
    )
    add(
        (li, "Suavizantes"),
        "Suavizante",
        "Fuzol|Soft@0.9|Downy@1.15",
        "Regular=2990; Aroma Bebé=3090",
        (_s("1 L"), _s("3 L", 2.5)),
    )
    add(
        (li, "Papeles"),
        "Papel Higiénico",
        "Confort|Elite@1.05|Noble@0.88",
        "Doble Hoja=2690; Hoja Simple=1990",
        (_s("4 rollos"), _s("12 rollos", 2.7)),
    )
    add(
        (li, "Papeles"),
        "",
        "Nova|Elite@1.05",
        "Toalla de Papel 2 rollos=2490; Toalla de Papel 3 rollos=3490; Servilletas 100 un=890; Servilletas 300 un=2190",
        template="{variant} {brand}",
    )
    add(
        (li, "Accesorios de aseo"),
        "",
        "Virutex|Scotch-Brite@1.1",
        "Esponja Doble Uso 3 un=1290; Paño Multiuso 3 un=1490; Virutilla 6 un=990; Guantes de Goma Talla M=1590",
        template="{variant} {brand}",
    )
    add(
        (li, "Accesorios de aseo"),
        "Bolsas de Basura",
        "Virutex|Kleenpak@0.9",
        "50x70 cm=1290; 70x90 cm=1690; 80x110 cm=2290",
        (_s("10 un"),),
    )
    add(
        (li, "Insecticidas"),
        "",
        "Raid|Baygon@0.95|Fuyi@0.85",
        "Mata Moscas y Mosquitos 360 ml=3990; Mata Cucarachas 360 ml=4290; Espirales 12 un=1990",
        template="{variant} {brand}",
    )
    add(
        (li, "Hogar"),
        "",
        "Duracell|Energizer@0.95",
        "Pilas AA 2 un=2990; Pilas AAA 2 un=2990; Pilas AA 4 un=5490; Pila 9 V=4490",
        template="{variant} {brand}",
    )
    add(
        (li, "Hogar"),
        "",
        "Copihue",
        "Fósforos 10 Cajas=1290; Velas 6 un=1690",
        template="{variant} {brand}",
    )

    # ---- Higiene personal
    hi = "Higiene personal"
    add(
        (hi, "Cuidado del cabello"),
        "Shampoo",
        "Sedal@0.9|Pantene@1.1|Head & Shoulders@1.2|Ballerina@0.85|Herbal Essences@1.15|Elvive@1.08",
        "Reparación=3490; Hidratación=3490; Brillo=3490",
        (_s("340 ml"), _s("650 ml", 1.7)),
    )
    add(
        (hi, "Cuidado del cabello"),
        "Acondicionador",
        "Sedal@0.9|Pantene@1.1|Ballerina@0.85|Elvive@1.08|Herbal Essences@1.15",
        "Reparación=3490; Hidratación=3490",
        (_s("340 ml"),),
    )
    add(
        (hi, "Jabones"),
        "Jabón",
        "Lux|Dove@1.3|Protex@1.15|Le Sancy@0.9",
        "Original 3 x 90 g=2290; Avena 3 x 90 g=2390; Líquido 400 ml=2690",
    )
    add(
        (hi, "Cuidado bucal"),
        "Pasta Dental",
        "Colgate|Pepsodent@0.85|Aquafresh@0.95|Odontine@0.8|Sensodyne@1.7",
        "Triple Acción 90 g=1690; Blanqueadora 90 g=2190",
    )
    add(
        (hi, "Cuidado bucal"),
        "Cepillo Dental",
        "Colgate|Oral-B@1.2",
        "Medio=1490; Suave 2 un=2490",
    )
    add(
        (hi, "Desodorantes"),
        "Desodorante",
        "Rexona|Axe@1.05|Dove@1.1|Nivea@1.05|Old Spice@1.1",
        "Aerosol 150 ml=3490; Roll-on 50 ml=2990; Barra 45 g=3290",
    )
    add(
        (hi, "Protección femenina"),
        "",
        "Ladysoft|Kotex@1.05|Nosotras@0.95",
        "Toallas Higiénicas Normal con Alas 8 un=1490; Toallas Higiénicas Ultradelgadas 16 un=2990;"
        " Protectores Diarios 20 un=1690; Tampones 10 un=2490",
        template="{variant} {brand}",
    )
    add(
        (hi, "Pañales"),
        "Pañales",
        "Babysec@0.9|Huggies@1.1|Pampers@1.15",
        "Talla M 30 un=12990; Talla G 30 un=13990; Talla XG 26 un=13990; Talla XXG 24 un=14990",
    )
    add(
        (hi, "Pañales"),
        "Toallitas Húmedas",
        "Babysec@0.9|Huggies@1.1",
        "80 un=2490",
        template="{product} {brand} {variant}",
    )
    add(
        (hi, "Afeitado"),
        "",
        "Gillette|Bic@0.8",
        "Máquina de Afeitar Desechable 2 un=2490; Espuma de Afeitar 200 ml=3490",
        template="{variant} {brand}",
    )
    add(
        (hi, "Cuidado de la piel"),
        "",
        "Nivea|Hinds@0.85",
        "Crema Corporal 200 ml=4490; Crema de Manos 50 ml=2290",
        template="{variant} {brand}",
    )
    add(
        (hi, "Cuidado de la piel"),
        "",
        "Higienix|Sanitas@1.05",
        "Algodón 100 g=1490; Alcohol Gel 250 ml=2290; Alcohol 70° 250 ml=1490",
        template="{variant} {brand}",
    )
    add(
        (hi, "Cuidado de la piel"),
        "",
        "Johnson's",
        "Cotonitos 100 un=1290; Shampoo Bebé 200 ml=2990; Colonia Bebé 200 ml=3490",
        template="{variant} {brand}",
    )

    # ---- Snacks y confites
    sn = "Snacks y confites"
    add(
        (sn, "Papas fritas y snacks"),
        "Papas Fritas",
        "Lay's@1.1|Kryzpo@1.05|Marco Polo@0.95|Evercrisp@0.9",
        "Corte Americano=2490; Clásicas=2490; Onduladas=2590; Merkén=2590",
        (_s("45 g", 0.42), _s("160 g"), _s("250 g", 1.45)),
    )
    add(
        (sn, "Papas fritas y snacks"),
        "",
        "Evercrisp",
        "Ramitas Originales=1890; Ramitas Queso=1890; Suflés de Maíz=1590",
        (_s("45 g", 0.45), _s("200 g")),
        template="{variant} {brand} {size}",
    )
    add(
        (sn, "Papas fritas y snacks"),
        "",
        "Doritos|Cheetos@0.85",
        "Queso=2490; Picante=2490",
        (_s("45 g", 0.45), _s("200 g")),
        template="{brand} {variant} {size}",
    )
    add(
        (sn, "Papas fritas y snacks"),
        "",
        "Marco Polo|Evercrisp@0.95",
        "Maní Salado=2290; Maní Japonés=2490; Maní con Pasas=2690; Mix Cóctel=2990",
        (_s("45 g", 0.42), _s("200 g")),
        template="{variant} {brand} {size}",
    )
    add(
        (sn, "Galletas"),
        "Galletas",
        "McKay",
        "Tritón Vainilla=990; Tritón Chocolate=990; Kuky Chocolate=1190; Niza=890; Morocha=990; Soda=1090;"
        " de Agua=1090; Limón=890; Criollitas=1290",
        (_s("126 g"),),
    )
    add(
        (sn, "Galletas"),
        "Galletas",
        "Costa",
        "Frac Vainilla=990; Frac Chocolate=990; Vino=890; Mini Vino=1290; Tuareg=890; Din Don=990; Cereal Bar=1190;"
        " Cracker Integral=1190",
        (_s("130 g"),),
    )
    add(
        (sn, "Galletas"),
        "Galletas",
        "Nutra Bien|Selz@0.9",
        "Avena Miel=1290; Salvado=1190; Chips Chocolate=1490; Agua Sin Sal=1090",
        (_s("150 g"),),
    )
    add(
        (sn, "Chocolates"),
        "",
        "Costa",
        "Chocolate de Leche 100 g=1590; Chocolate Bitter 70 % 100 g=1990; Chocolate Almendras 150 g=2990;"
        " Rama 25 g=490; Chocolate Blanco 100 g=1690; Bombones Surtidos 180 g=4990",
        template="{variant} {brand}",
    )
    add(
        (sn, "Chocolates"),
        "",
        "Nestlé",
        "Sahne-Nuss 160 g=3290; Trencito 100 g=1490; Super 8 29 g=390; Chokita 25 g=450; Kit Kat 41 g=890;"
        " Negrita 30 g=390; Prestigio 35 g=690",
        template="{variant} {brand}",
    )
    add(
        (sn, "Confites"),
        "",
        "Ambrosoli|Dos en Uno@0.95|Arcor@1.02",
        "Caramelos Masticables 400 g=2490; Calugas de Leche 250 g=2290; Gomitas Frutales 100 g=990;"
        " Chupetes 24 un=2990; Caramelos Mentolados 100 g=990",
        template="{variant} {brand}",
    )
    add(
        (sn, "Confites"),
        "Chicle",
        "Trident|Beldent@0.95|Topline@0.97",
        "Menta=590; Frutilla=590; Sandía=590",
        (_s("18 g"),),
    )
    add(
        (sn, "Confites"),
        "",
        "Arcor",
        "Bon o Bon 16 g=290; Rocklets 40 g=790; Alfajor Chocolate=490",
        template="{variant} {brand}",
    )

    # ---- Congelados
    co = "Congelados"
    add(
        (co, "Helados"),
        "Helado",
        "Savory|Bresler@1.02|Trendy@0.9",
        "Chocolate=4290; Vainilla=4290; Frutilla=4290; Lúcuma=4490",
        (_s("1 L"),),
    )
    add(
        (co, "Helados"),
        "Paleta",
        "Savory|Bresler@1.02|Trendy@0.9",
        "Chocolate=990; Frutilla a la Crema=990; Limón=790; Piña=790",
        (_s("70 ml"),),
    )
    add(
        (co, "Papas y verduras"),
        "Papas Prefritas",
        "McCain@1.1|Minuto Verde@0.95|Frutos del Maipo",
        "Corte Tradicional=3990; Corte Fino=4190",
        (_s("1 kg"),),
    )
    add(
        (co, "Papas y verduras"),
        "",
        "Minuto Verde|Frutos del Maipo",
        "Arvejas=1990; Choclo=1990; Mix Primavera=2190; Porotos Verdes=1990; Espinaca=2290;"
        " Frutillas=3490; Mix Berries=4290; Mango en Cubos=3690",
        (_s("500 g"),),
        template="{variant} {brand} {size}",
    )
    add(
        (co, "Carnes y pollo"),
        "",
        "PF|San Jorge@1.03|La Crianza@1.1",
        "Hamburguesas de Vacuno 4 un=3990; Churrascos de Vacuno 4 un=4990",
        template="{variant} {brand}",
    )
    add(
        (co, "Carnes y pollo"),
        "",
        "Super Pollo|Sopraval@0.98|PF@0.97",
        "Hamburguesas de Pollo 4 un=3490; Nuggets de Pollo 400 g=3990; Pechuga Deshuesada 1 kg=7990",
        template="{variant} {brand}",
    )
    add(
        (co, "Pescados y mariscos"),
        "",
        "Mar Austral",
        "Filete de Merluza 500 g=4490; Salmón en Porciones 500 g=8990; Mariscos Mix 400 g=4990;"
        " Camarones Cocidos 200 g=4490",
        template="{variant} {brand}",
    )
    add(
        (co, "Preparados"),
        "",
        "Nonna Rosa",
        "Pizza Napolitana=4990; Pizza Pepperoni=5490; Empanadas de Pino 4 un=5990; Empanadas de Queso 6 un=4990;"
        " Lasaña Boloñesa 1 kg=6990",
        template="{variant} {brand}",
    )
    add((co, "Hielo"), "Hielo en Cubos", "Glaciar", "2 kg=1290; 5 kg=2490", template="{product} {brand} {variant}")

    # ---- Mascotas
    ma = "Mascotas"
    add(
        (ma, "Perros"),
        "Alimento para Perro",
        "Champion Dog@0.85|Master Dog@0.95|Dog Chow@1.1|Pedigree@1.05",
        "Adulto Carne=4990; Cachorro=5490",
        (_s("1,5 kg"), _s("3 kg", 1.85), _s("8 kg", 4.4)),
    )
    add(
        (ma, "Perros"),
        "",
        "Pedigree",
        "Dentastix 7 un=3490; Sobre Carne 100 g=890",
        template="{variant} {brand}",
    )
    add(
        (ma, "Gatos"),
        "Alimento para Gato",
        "Cat Chow@1.1|Whiskas@1.05|Master Cat@0.95|Champion Cat@0.85",
        "Adulto Pescado=5490",
        (_s("1,5 kg"), _s("3 kg", 1.85)),
    )
    add(
        (ma, "Gatos"),
        "",
        "Whiskas|Cat Chow@1.05",
        "Sobre Carne 85 g=790; Sobre Pollo 85 g=790",
        template="{variant} {brand}",
    )
    add(
        (ma, "Gatos"),
        "Arena Sanitaria",
        "Arenita|Cat Club@1.1",
        "4 kg=3990; 8 kg=6990",
        template="{product} {brand} {variant}",
    )

    # ---- Cigarrillos (prices are set by the manufacturers; the shop's margin is thin)
    ci = "Cigarrillos"
    cig = "{product} {brand} {variant} {size}"
    twenty = (_s("20 un"),)
    add((ci, "Cigarrillos"), "Cigarrillos", "Marlboro", "Red=6300; Gold=6300; Ice Xpress=6300", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "Lucky Strike", "Original Red=6000; Click=6000", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "Pall Mall", "Azul=5000; Rojo=5000; Click Menta=5100", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "Kent", "Blue=6300; Silver=6300", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "Belmont", "Suave=5800; Rojo=5800", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "Derby", "Suave=4900; Rojo=4900", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "Chesterfield", "Red=5200; Blue=5200", twenty, template=cig)
    add((ci, "Cigarrillos"), "Cigarrillos", "L&M", "Red=5100; Blue=5100", twenty, template=cig)
    add(
        (ci, "Tabaco"),
        "Tabaco para Armar",
        "Golden Virginia|Pall Mall@0.8",
        "Original 30 g=6990",
        template="{product} {brand} {variant}",
    )

    # ---- Alcoholes
    al = "Alcoholes"
    beer = "Cerveza {brand} {variant} {size}"
    cans = (_s("Lata 350 ml", 0.78), _s("Lata 470 ml"), _s("Lata 710 ml", 1.42))
    litro = _s("Botella 1 L Retornable", 1.6, "cerv1l")
    bottle = _s("Botella 330 ml", 0.95)
    add((al, "Cervezas"), "", "Cristal", "Lager=1190", (*cans, bottle, litro), template=beer, ila=26)
    add((al, "Cervezas"), "", "Escudo", "Lager=1290; Silver=1290", (*cans, litro), template=beer, ila=26)
    add((al, "Cervezas"), "", "Becker", "Lager=1090", (*cans, litro), template=beer, ila=26)
    add((al, "Cervezas"), "", "Baltica", "Lager=990", (*cans, litro), template=beer, ila=26)
    add((al, "Cervezas"), "", "Royal Guard", "Lager=1390", (_s("Lata 470 ml"), bottle), template=beer, ila=26)
    add((al, "Cervezas"), "", "Heineken", "Lager=1590", (_s("Lata 470 ml"), bottle), template=beer, ila=26)
    add((al, "Cervezas"), "", "Corona", "Extra=1690", (_s("Lata 410 ml"), bottle), template=beer, ila=26)
    add((al, "Cervezas"), "", "Stella Artois", "Lager=1590", (_s("Lata 470 ml"), bottle), template=beer, ila=26)
    add((al, "Cervezas"), "", "Budweiser", "Lager=1290", (_s("Lata 470 ml"), bottle), template=beer, ila=26)
    add(
        (al, "Cervezas"),
        "",
        "Kunstmann",
        "Torobayo=1790; Lager=1690; Gran Torobayo=2190; Sin Filtrar=1890",
        (_s("Botella 330 ml"), _s("Lata 470 ml", 1.2)),
        template=beer,
        ila=26,
    )
    add(
        (al, "Cervezas"),
        "",
        "Austral",
        "Calafate=1790; Lager=1690; Patagonia=1890",
        (_s("Botella 330 ml"), _s("Lata 470 ml", 1.2)),
        template=beer,
        ila=26,
    )
    wine = "Vino {brand} {variant} {size}"
    bottle750 = (_s("750 ml"),)
    add(
        (al, "Vinos"),
        "",
        "Casillero del Diablo",
        "Cabernet Sauvignon=6990; Carmenere=6990; Merlot=6990; Sauvignon Blanc=6990; Chardonnay=6990",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Concha y Toro Reservado",
        "Cabernet Sauvignon=3990; Carmenere=3990; Sauvignon Blanc=3990",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Frontera",
        "Cabernet Sauvignon=2990; Carmenere=2990; Merlot=2990",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Santa Rita 120",
        "Cabernet Sauvignon=3990; Carmenere=3990; Merlot=3990; Sauvignon Blanc=3990",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Santa Carolina Reservado",
        "Cabernet Sauvignon=4290; Carmenere=4290",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Undurraga Sibaris",
        "Cabernet Sauvignon=6990; Carmenere=6990",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Gato Negro",
        "Cabernet Sauvignon=3290; Merlot=3290; Sauvignon Blanc=3290",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Misiones de Rengo",
        "Cabernet Sauvignon=4990; Carmenere=4990",
        bottle750,
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "",
        "Gato|Clos de Pirque@1.05|Santa Emiliana@0.95",
        "Tinto=2990; Blanco=2990",
        (_s("Tetra 1 L"), _s("Caja 2 L", 1.8)),
        template=wine,
        ila=25,
    )
    add(
        (al, "Vinos"),
        "Espumante",
        "Valdivieso|Undurraga@0.95|Casillero del Diablo@1.1",
        "Brut=6990; Demi Sec=6990",
        bottle750,
        ila=25,
    )
    add(
        (al, "Destilados", "Pisco"),
        "Pisco",
        "Capel|Mistral@1.15|Alto del Carmen@1.2|Control@1.1|Campanario@0.95|Tres Erres@1.05",
        "35°=6990; Reservado 40°=8490",
        (_s("750 ml"), _s("1 L", 1.28)),
        template="{product} {brand} {variant} {size}",
        ila=24,
    )
    add(
        (al, "Destilados", "Pisco"),
        "",
        "Mistral|Capel@0.9",
        "Pisco Sour 700 ml=5990; Pisco Sour 1 L=6990",
        template="{variant} {brand}",
        ila=24,
    )
    add(
        (al, "Destilados", "Ron"),
        "Ron",
        "Havana Club|Bacardí@1.02|Pampero@0.85",
        "Añejo Especial=9990; Blanco=8990",
        bottle750,
        template="{product} {brand} {variant} {size}",
        ila=24,
    )
    add(
        (al, "Destilados", "Ron"),
        "Ron",
        "Havana Club",
        "Añejo 7 Años=18990",
        bottle750,
        template="{product} {brand} {variant} {size}",
        ila=24,
    )
    add(
        (al, "Destilados", "Whisky"),
        "Whisky",
        "Johnnie Walker",
        "Red Label=17990; Black Label 12 Años=34990",
        bottle750,
        template="{product} {brand} {variant} {size}",
        ila=24,
    )
    add(
        (al, "Destilados", "Whisky"),
        "Whisky",
        "Ballantine's|Chivas Regal@2.4|Jack Daniel's@1.7|Jim Beam@1.1",
        "=15990",
        bottle750,
        template="{product} {brand} {size}",
        ila=24,
    )
    add(
        (al, "Destilados", "Vodka y gin"),
        "",
        "Absolut|Smirnoff@0.7|Eristoff@0.6",
        "Vodka=14990",
        bottle750,
        template="{variant} {brand} {size}",
        ila=24,
    )
    add(
        (al, "Destilados", "Vodka y gin"),
        "",
        "Beefeater|Gordon's@0.72",
        "Gin London Dry=16990",
        bottle750,
        template="{variant} {brand} {size}",
        ila=24,
    )
    # Vermouth counts as a licor (vinos licorosos o aromatizados similares al vermouth: 31,5 %).
    licor = "{variant} {brand} {size}"
    add((al, "Destilados", "Licores"), "", "Araucano", "Licor de Hierbas=8990", bottle750, template=licor, ila=24)
    add((al, "Destilados", "Licores"), "", "Baileys", "Crema de Whisky=15990", bottle750, template=licor, ila=24)
    add((al, "Destilados", "Licores"), "", "José Cuervo", "Tequila Especial=14990", bottle750, template=licor, ila=24)
    add(
        (al, "Destilados", "Licores"),
        "",
        "Martini",
        "Vermouth Rosso=7990; Vermouth Bianco=7990",
        bottle750,
        template=licor,
        ila=24,
    )
    return tuple(lines)


_LINES = _build_lines()

_TOP_LEVEL_ORDER = (
    "Abarrotes",
    "Lácteos",
    "Bebidas",
    "Panadería",
    "Fiambrería",
    "Frutas y verduras",
    "Limpieza",
    "Higiene personal",
    "Snacks y confites",
    "Congelados",
    "Mascotas",
    "Cigarrillos",
    "Alcoholes",
    ENVASES,
)

# Gross margin on the net price (low, high) by top-level category.
_MARGINS: dict[str, tuple[float, float]] = {
    "Abarrotes": (0.16, 0.26),
    "Lácteos": (0.14, 0.22),
    "Bebidas": (0.20, 0.30),
    "Panadería": (0.30, 0.45),
    "Fiambrería": (0.25, 0.35),
    "Frutas y verduras": (0.30, 0.45),
    "Limpieza": (0.22, 0.32),
    "Higiene personal": (0.25, 0.35),
    "Snacks y confites": (0.25, 0.38),
    "Congelados": (0.20, 0.30),
    "Mascotas": (0.15, 0.25),
    "Cigarrillos": (0.06, 0.10),
    "Alcoholes": (0.18, 0.28),
}

_SUGAR_FREE = re.compile(r"\b(Sin Azúcar|Zero|Light|Sugarfree)\b")


# --- Generation ----------------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    name: str
    short_name: str
    category: tuple[str, ...]
    unit: Unit
    price: int
    tax: Tax
    additional_tax: int | None
    brand: str | None  # None: no barcode
    sold: Sold
    container: str | None
    barcodes: list[str] = field(default_factory=list)


class _BarcodeMaker:
    """EAN-13s as a GS1 member would allocate them: one company prefix per brand, item numbers in sequence."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._prefixes: dict[str, str] = {}
        self._next_item: dict[str, int] = {}
        self._used_prefixes: set[str] = set()

    def _prefix(self, brand: str) -> str:
        prefix = self._prefixes.get(brand)
        if prefix is None:
            country = _COUNTRY.get(brand, "780")
            while True:
                digits = "".join(str(self._rng.randrange(10)) for _ in range(8 - len(country)))
                prefix = country + digits
                if prefix not in self._used_prefixes:
                    break
            self._used_prefixes.add(prefix)
            self._prefixes[brand] = prefix
            self._next_item[brand] = self._rng.randrange(10, 2000)
        return prefix

    def next(self, brand: str) -> str:
        prefix = self._prefix(brand)
        item = self._next_item[brand]
        self._next_item[brand] = item + self._rng.randrange(1, 6)
        if item > 9999:  # pragma: no cover - no brand has that many products
            raise ValueError(f"brand {brand!r} ran out of item numbers")
        body = f"{prefix}{item:04d}"
        return body + ean_check_digit(body)


def _tidy(text: str) -> str:
    return " ".join(text.split())


def _abbreviate(text: str) -> str:
    for long, short in _ABBREVIATIONS.items():
        text = text.replace(long, short)
    return text


_MEASURE = re.compile(r"(\d) (ml|L|kg|g|un|mm|cm|V)\b")
_FILLER = frozenset({"de", "del", "con", "en", "la", "el", "para", "a", "y", "x"})


def _short_name(head: str, size: str) -> str:
    """Receipt name, at most 24 characters, upper case.

    The size always survives. When the whole name does not fit, the usual abbreviations come in, then filler words
    go, then the longest word loses a letter at a time (never below 3), and only then is the text cut.
    """
    head = _MEASURE.sub(r"\1\2", head)
    size = _tidy(_MEASURE.sub(r"\1\2", size).replace("Unidad", ""))
    if len(_tidy(f"{head} {size}")) <= SHORT_NAME_MAX:
        return _tidy(f"{head} {size}").upper()
    head = _abbreviate(head)
    size = _abbreviate(size)
    for long, short in (("Lata ", "Lt"), ("Botella ", "Bot"), ("Tetra ", ""), ("Caja ", "Cj"), (" bolsitas", "b")):
        size = size.replace(long, short)
    size = _tidy(size.replace(" rollos", "r"))
    room = SHORT_NAME_MAX - (len(size) + 1 if size else 0)
    words = head.split()
    if len(" ".join(words)) > room:
        words = [word for word in words if word.lower() not in _FILLER]
    while len(" ".join(words)) > room:
        candidates = [i for i, word in enumerate(words) if len(word) > 3 and not is_digits(word[0])]
        if not candidates:
            break
        longest = max(candidates, key=lambda i: len(words[i]))
        words[longest] = words[longest][:-1]
    text = " ".join(words)[:room].rstrip()
    return _tidy(f"{text} {size}").upper()


def _shop_price(raw: float, rng: random.Random) -> int:
    """Prices as shops write them: $590, $1.290, $12.990, now and then a round $2.500."""
    if raw < 300:
        return max(10, round(raw / 10) * 10)
    hundreds = max(100, round(raw / 100) * 100)
    if rng.random() < 0.85:
        return hundreds - 10
    return hundreds


def _drafts(rng: random.Random) -> Iterator[_Draft]:
    for line in _LINES:
        for brand, brand_factor in line.brands:
            for variant, base_price in line.variants:
                for size in line.sizes:
                    name = _tidy(
                        line.template.format(product=line.product, variant=variant, brand=brand, size=size.label)
                    )
                    head = _tidy(
                        line.template.replace("{size}", "").format(product=line.product, variant=variant, brand=brand)
                    )
                    raw = base_price * brand_factor * size.factor * rng.uniform(0.96, 1.04)
                    if line.category[0] == "Cigarrillos":  # the manufacturer sets the price: $6.300, not $6.290
                        price = round(base_price * brand_factor * size.factor / 100) * 100
                    else:
                        price = _shop_price(raw, rng)
                    ila = line.ila
                    if ila == 271 and _SUGAR_FREE.search(variant):
                        ila = 27
                    weighed = line.sold == "weighed"
                    yield _Draft(
                        name=name,
                        short_name=_short_name(head, size.label),
                        category=line.category,
                        unit="kg" if weighed else "unit",
                        price=price,
                        tax="afecto",
                        additional_tax=ila,
                        brand=brand if line.sold == "barcode" else None,
                        sold=line.sold,
                        container=size.container,
                    )
    for key, (name, deposit) in _ENVASES.items():
        yield _Draft(
            name=name,
            short_name=_short_name(name.replace("Envase ", "Env "), ""),
            category=(ENVASES,),
            unit="unit",
            price=deposit,
            tax="exento",
            additional_tax=None,
            brand=None,
            sold="keyed",
            container=key,  # for an Envases product: its own key, resolved to codes below
        )


def _unit_cost(draft: _Draft, top: str, rng: random.Random) -> int:
    if top == ENVASES:
        return draft.price  # a deposit: paid to the distributor and refunded in full, no margin
    ila_rate = ILA_RATES[draft.additional_tax] if draft.additional_tax is not None else 0.0
    net = draft.price / (1 + IVA_RATE + ila_rate)
    low, high = _MARGINS[top]
    return max(1, round(net * (1 - rng.uniform(low, high))))


def _stock(draft: _Draft, top: str, rng: random.Random) -> tuple[int, int, int]:
    """(min_stock, sala, bodega) in milli-units."""
    if top == ENVASES:
        # Empties returned by customers wait in the bodega for the distributor's truck.
        return 0, 0, (rng.randrange(0, 61) if draft.price < 1000 else rng.randrange(0, 6)) * 1000
    if draft.unit == "kg":
        if top == "Panadería":
            return rng.randrange(2, 6) * 1000, rng.randrange(3000, 20001, 50), 0
        if top == "Fiambrería":
            return 1000, rng.randrange(500, 6001, 10), rng.randrange(0, 2) * rng.randrange(2000, 5001, 10)
        return rng.randrange(2, 8) * 1000, rng.randrange(2000, 30001, 50), rng.randrange(0, 40001, 500)
    if draft.sold == "plu_unit":
        return 3000, rng.randrange(4, 21) * 1000, 0
    minimum = rng.randrange(2, 13)
    if top == "Cigarrillos":
        return 5000, rng.randrange(5, 31) * 1000, rng.randrange(0, 51, 10) * 1000
    roll = rng.random()
    if roll < 0.04:
        sala = 0  # agotado en sala
    elif roll < 0.12:
        sala = rng.randrange(1, minimum)  # below the minimum: shows up in the reorder report
    else:
        sala = rng.randrange(minimum, minimum * 4 + 1)
    bodega = rng.randrange(0, 4) * rng.randrange(6, 25)
    return minimum * 1000, sala * 1000, bodega * 1000


def generate_catalog(seed: int = 7) -> Catalog:
    """The demo catalog: deterministic for a seed, about 1.800 products in 14 top-level categories."""
    rng = random.Random(seed)
    barcodes = _BarcodeMaker(rng)
    drafts = list(_drafts(rng))
    rank = {name: i for i, name in enumerate(_TOP_LEVEL_ORDER)}
    drafts.sort(key=lambda draft: rank[draft.category[0]])  # stable: keeps the tables' order inside a category

    plu_blocks = {"Frutas y verduras": 10001, "Panadería": 20001, "Fiambrería": 30001}
    next_plu = dict(plu_blocks)
    envase_codes: dict[str, str] = {}
    products: list[ProductSpec] = []
    categories: list[CategorySpec] = []
    seen_paths: set[tuple[str, ...]] = set()

    for number, draft in enumerate(drafts, start=1):
        code = f"P{number:05d}"
        top = draft.category[0]
        for depth in range(1, len(draft.category) + 1):
            path = draft.category[:depth]
            if path not in seen_paths:
                seen_paths.add(path)
                categories.append(CategorySpec(path))
        plu: str | None = None
        if draft.sold in ("weighed", "plu_unit"):
            plu = f"{next_plu[top]:05d}"
            next_plu[top] += 1
        codes: tuple[str, ...] = ()
        if draft.brand is not None:
            codes = (barcodes.next(draft.brand),)
            if rng.random() < 0.035:  # old and new packaging both still on the shelf
                codes = (*codes, barcodes.next(draft.brand))
        if top == ENVASES and draft.container is not None:
            envase_codes[draft.container] = code
        min_stock, sala, bodega = _stock(draft, top, rng)
        restricted = top in ("Alcoholes", "Cigarrillos")
        products.append(
            ProductSpec(
                code=code,
                name=draft.name,
                short_name=draft.short_name,
                category=draft.category,
                unit=draft.unit,
                price=draft.price,
                tax=draft.tax,
                additional_tax=draft.additional_tax,
                is_alcohol=top == "Alcoholes",
                is_tobacco=top == "Cigarrillos",
                age_restricted=restricted,
                container_code=None if top == ENVASES else draft.container,  # still a key; resolved below
                plu=plu,
                barcodes=codes,
                min_stock=min_stock,
                unit_cost=_unit_cost(draft, top, rng),
                stock_sala=sala,
                stock_bodega=bodega,
            )
        )

    resolved = [
        product
        if product.container_code is None
        else replace(product, container_code=envase_codes[product.container_code])
        for product in products
    ]
    return Catalog(categories=categories, products=resolved)
