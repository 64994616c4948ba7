"""Where an ad's location resolves to a point on a map: a small built-in gazetteer.

Pure data and one function. The gazetteer holds the cities of the countries adwatch's sources
watch (border and capital cities first); a location it does not know stays text only, so the
Elasticsearch ``geo`` field is present only where a location resolves. Extend ``CITIES`` (or
replace :func:`resolve`) to cover more places.
"""

from __future__ import annotations

from crawler.common.stemming import fold

#: country -> city -> (lat, lon)
CITIES: dict[str, dict[str, tuple[float, float]]] = {
    "PY": {
        "Asunción": (-25.2637, -57.5759),
        "San Lorenzo": (-25.3397, -57.5088),
        "Luque": (-25.2670, -57.4872),
        "Capiatá": (-25.3552, -57.4454),
        "Lambaré": (-25.3468, -57.6065),
        "Fernando de la Mora": (-25.3380, -57.5220),
        "Limpio": (-25.1660, -57.4856),
        "Ñemby": (-25.3949, -57.5357),
        "Mariano Roque Alonso": (-25.2079, -57.5320),
        "Ciudad del Este": (-25.5097, -54.6111),
        "Hernandarias": (-25.4056, -54.6386),
        "Presidente Franco": (-25.5622, -54.6111),
        "Encarnación": (-27.3306, -55.8667),
        "Pedro Juan Caballero": (-22.5472, -55.7333),
        "Coronel Oviedo": (-25.4444, -56.4403),
        "Concepción": (-23.4064, -57.4344),
        "Villarrica": (-25.7500, -56.4333),
        "Caacupé": (-25.3861, -57.1400),
        "Salto del Guairá": (-24.0597, -54.3069),
        "Pilar": (-26.8569, -58.3000),
    },
    "BR": {
        "São Paulo": (-23.5505, -46.6333),
        "Guarulhos": (-23.4538, -46.5333),
        "Campinas": (-22.9056, -47.0608),
        "Rio de Janeiro": (-22.9068, -43.1729),
        "Niterói": (-22.8832, -43.1034),
        "Belo Horizonte": (-19.9167, -43.9345),
        "Curitiba": (-25.4284, -49.2733),
        "Foz do Iguaçu": (-25.5163, -54.5854),
        "Florianópolis": (-27.5954, -48.5480),
        "Porto Alegre": (-30.0346, -51.2177),
        "Brasília": (-15.7939, -47.8828),
        "Goiânia": (-16.6869, -49.2648),
        "Salvador": (-12.9777, -38.5016),
        "Recife": (-8.0476, -34.8770),
        "Fortaleza": (-3.7319, -38.5267),
        "Belém": (-1.4558, -48.4902),
        "Manaus": (-3.1190, -60.0217),
        "Vitória": (-20.3155, -40.3128),
        "Campo Grande": (-20.4697, -54.6201),
    },
    "ES": {
        "Madrid": (40.4168, -3.7038),
        "Barcelona": (41.3874, 2.1686),
        "Valencia": (39.4699, -0.3763),
        "Alicante": (38.3452, -0.4810),
        "Sevilla": (37.3891, -5.9845),
        "Málaga": (36.7213, -4.4214),
        "Almería": (36.8340, -2.4637),
        "Huelva": (37.2614, -6.9447),
        "Zaragoza": (41.6488, -0.8891),
        "Murcia": (37.9922, -1.1307),
        "Palma": (39.5696, 2.6502),
        "Bilbao": (43.2630, -2.9350),
        "Lleida": (41.6176, 0.6200),
        "Valladolid": (41.6523, -4.7245),
        "Las Palmas de Gran Canaria": (28.1235, -15.4363),
    },
    "GB": {
        "London": (51.5072, -0.1276),
        "Manchester": (53.4808, -2.2426),
        "Birmingham": (52.4862, -1.8904),
        "Leeds": (53.8008, -1.5491),
        "Liverpool": (53.4084, -2.9916),
        "Bristol": (51.4545, -2.5879),
        "Sheffield": (53.3811, -1.4701),
        "Leicester": (52.6369, -1.1398),
        "Glasgow": (55.8642, -4.2518),
        "Cardiff": (51.4816, -3.1791),
        "Belfast": (54.5973, -5.9301),
        "Peterborough": (52.5695, -0.2405),
        "Boston": (52.9789, -0.0266),
        "Norwich": (52.6309, 1.2974),
    },
    "AR": {
        "Buenos Aires": (-34.6037, -58.3816),
        "Posadas": (-27.3671, -55.8961),
        "Clorinda": (-25.2848, -57.7185),
        "Formosa": (-26.1775, -58.1781),
    },
    "BO": {"La Paz": (-16.4897, -68.1193), "Santa Cruz de la Sierra": (-17.7833, -63.1821)},
    "PT": {"Lisboa": (38.7223, -9.1393), "Lisbon": (38.7223, -9.1393), "Porto": (41.1579, -8.6291)},
    "UY": {"Montevideo": (-34.9011, -56.1645)},
}

_BY_COUNTRY = {
    country: {fold(city): point for city, point in cities.items()}
    for country, cities in CITIES.items()
}
_ANYWHERE: dict[str, tuple[float, float] | None] = {}
for _cities in _BY_COUNTRY.values():
    for _name, _point in _cities.items():
        # a name found in two countries resolves only with the country given
        _ANYWHERE[_name] = None if _name in _ANYWHERE else _point


def resolve(location: str | None, country: str | None = None) -> dict[str, float] | None:
    """``{"lat": .., "lon": ..}`` for a location such as ``"Asunción, Central"``, or None.

    Each comma-separated part is tried, the first (the city, usually) first; ``country`` (ISO
    3166 alpha-2) picks among cities of the same name.
    """
    if not location:
        return None
    table = _BY_COUNTRY.get((country or "").upper())
    for part in location.split(","):
        name = " ".join(fold(part).split())
        point = table.get(name) if table is not None else _ANYWHERE.get(name)
        if point is not None:
            return {"lat": point[0], "lon": point[1]}
    return None


# --- which country a page is from, when its source names none --------------------------

# Country-code top-level domains sold to everyone, that say nothing about where an ad is.
_GENERIC_CCTLDS = frozenset(
    "io co me tv ai fm ly to cc ws gg am nu la bz sh ac vc tk ml ga".split()
)
#: Regions where each language is most written, most likely first: the guesses for a
#: phone number written in national form on a page that says no more.
LANGUAGE_REGIONS: dict[str, tuple[str, ...]] = {
    "es": ("ES", "MX", "AR", "CO", "CL", "PE", "PY", "UY", "BO", "EC", "VE", "GT", "DO", "HN"),
    "pt": ("BR", "PT"),
    "en": ("US", "GB", "CA", "AU", "IE", "NZ", "ZA"),
    "fr": ("FR", "BE", "CA", "CH"),
    "de": ("DE", "AT", "CH"),
    "it": ("IT", "CH"),
    "nl": ("NL", "BE"),
    "pl": ("PL",),
    "cs": ("CZ",),
    "sk": ("SK",),
    "ru": ("RU", "UA", "BY", "KZ"),
    "uk": ("UA",),
    "no": ("NO",),
    "nb": ("NO",),
    "nn": ("NO",),
    "sv": ("SE",),
    "da": ("DK",),
    "fi": ("FI",),
    "ro": ("RO", "MD"),
    "hu": ("HU",),
    "bg": ("BG",),
    "el": ("GR", "CY"),
    "tr": ("TR",),
    "gn": ("PY",),
}
#: Tried last for a number no other region reads: the North American Numbering Plan.
LAST_RESORT_REGIONS: tuple[str, ...] = ("US",)
_country_names: dict[str, str] | None = None


def region_of_host(host: str | None) -> str | None:
    """The country of a host's top-level domain ("www.olx.ua" -> "UA", ".co.uk" -> "GB"),
    or None for a generic one (.com, .io, ...)."""
    label = (host or "").rstrip(".").rsplit(".", 1)[-1].lower()
    if len(label) != 2 or not label.isalpha() or label in _GENERIC_CCTLDS:
        return None
    return {"uk": "GB", "eu": None}.get(label, label.upper())


def region_of_country_name(name: str | None) -> str | None:
    """ISO 3166 alpha-2 code of a country written as a code or a name in any of the
    languages libphonenumber knows ("MX", "Mexico", "México", "Brasil"), else None.

    The names are read from phonenumbers' locale data on first use (about 0.4 s)."""
    global _country_names
    text = " ".join(fold(name or "").split()).strip(" ,.")
    if not text:
        return None
    if len(text) == 2 and text.isalpha():
        return text.upper() if text != "uk" else "GB"
    if _country_names is None:
        from phonenumbers.geodata.locale import LOCALE_DATA

        names: dict[str, str] = {}
        for region, by_language in LOCALE_DATA.items():
            for value in by_language.values():
                if value and not value.startswith("*"):
                    names.setdefault(fold(value), region)
        _country_names = names
    return _country_names.get(text)
