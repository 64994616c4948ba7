"""Fields a page states as "label: value": definition lists, two-cell table rows,
``<b>Location:</b> London<br>`` runs and "Label: value" lines, in the languages ads are
written in.

:func:`labelled_fields` maps what it finds to adwatch's fields (``price``, ``location``,
``posted``, ``employer``, ``contact``), first occurrence first. Labels are matched as whole
words after case and accent folding; a value longer than a short line is not a value.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from lxml import etree
from parsel import Selector

#: characters of a value; a label's value is a short phrase, not a paragraph
MAX_VALUE = 160
MAX_LABEL = 40

# Folded label words -> field. Matched against the whole label ("Date posted", "Fecha de
# publicación"), so "price" never matches "price per m²" unless nothing better is there.
_LABELS: dict[str, tuple[str, ...]] = {
    "employer": (
        "recruiter",
        "employer",
        "company",
        "hiring company",
        "hiring organisation",
        "hiring organization",
        "empresa",
        "empleador",
        "contratante",
        "firma",
        "společnost",
        "zaměstnavatel",
        "pracodawca",
        "arbeitgeber",
        "entreprise",
        "employeur",
        "azienda",
    ),
    "location": (
        "location",
        "job location",
        "place",
        "city",
        "town",
        "address",
        "localizacao",
        "localidade",
        "local",
        "cidade",
        "municipio",
        "bairro",
        "endereco",
        "ubicacion",
        "localidad",
        "lugar",
        "ciudad",
        "direccion",
        "zona",
        "barrio",
        "provincia",
        "lokalita",
        "misto",
        "misto prace",
        "lokalizacja",
        "miejscowosc",
        "adres",
        "ort",
        "standort",
        "adresse",
        "lieu",
        "ville",
        "localita",
        "indirizzo",
        "sted",
        "adresse",
        "город",
        "адрес",
        "местоположение",
        "місто",
        "адреса",
    ),
    "posted": (
        "date posted",
        "posted",
        "posted on",
        "published",
        "published on",
        "date",
        "listed",
        "added",
        "publicado",
        "publicado el",
        "publicado em",
        "publicada",
        "fecha",
        "fecha de publicacion",
        "data",
        "data de publicacao",
        "data da publicacao",
        "anunciado em",
        "inserido em",
        "datum",
        "datum zverejneni",
        "zverejneno",
        "dodano",
        "data dodania",
        "veroffentlicht",
        "publie le",
        "date de publication",
        "pubblicato",
        "опубликовано",
        "дата",
        "размещено",
        "опубліковано",
    ),
    "price": (
        "price",
        "asking price",
        "salary",
        "pay",
        "rent",
        "wage",
        "preco",
        "valor",
        "salario",
        "remuneracao",
        "precio",
        "sueldo",
        "renta",
        "alquiler",
        "mzda",
        "plat",
        "cena",
        "wynagrodzenie",
        "preis",
        "gehalt",
        "prix",
        "salaire",
        "loyer",
        "prezzo",
        "stipendio",
        "pris",
        "цена",
        "зарплата",
        "ціна",
    ),
    "contact": (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "contact",
        "telefone",
        "celular",
        "whatsapp",
        "telefono",
        "contacto",
        "telefon",
        "kontakt",
        "телефон",
    ),
}
_FIELD_OF = {label: name for name, labels in _LABELS.items() for label in labels}


def fold(text: str) -> str:
    """Lower case, accents off, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


def field_of_label(label: str) -> str | None:
    key = fold(label).strip(" :.-–—*•")
    if not key or len(key) > MAX_LABEL:
        return None
    return _FIELD_OF.get(key)


_LINE_LABEL = re.compile(r"^\s*([^\W\d][\w .'/-]{1,38}?)\s*[:：]\s*(\S.{0,158})$")
_CHROME = "ancestor::*[self::nav or self::footer or self::select or self::script or self::style]"


def labelled_fields(sel: Selector) -> dict[str, str]:
    """``{field: value}`` for the labelled values of the page, first occurrence first."""
    found: dict[str, str] = {}

    def add(label: str, value: str) -> None:
        name = field_of_label(label)
        value = " ".join(value.split())
        if name and value and len(value) <= MAX_VALUE and name not in found:
            found[name] = value

    for dt in sel.xpath(f"//dt[not({_CHROME})]")[:300]:
        dd = dt.xpath("following-sibling::*[1][self::dd]")
        if dd:
            add(_text(dt), _text(dd[0]))
    for row in sel.xpath(f"//tr[count(th|td)=2][not({_CHROME})]")[:300]:
        cells = row.xpath("th|td")
        add(_text(cells[0]), _text(cells[1]))
    for tag in sel.xpath(
        "//*[self::b or self::strong or self::label or self::span or self::dt or self::th"
        " or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
        f"[string-length(normalize-space()) < 40][not({_CHROME})]"
    )[:3000]:
        label = _text(tag)
        if not label.endswith((":", "：")) and not field_of_label(label):
            continue
        if not field_of_label(label):
            continue
        value = _value_after(tag)
        if value:
            add(label, value)
    for line in sel.xpath(f"//body//text()[not({_CHROME})]").getall()[:20000]:
        if ":" not in line and "：" not in line:
            continue
        m = _LINE_LABEL.match(line.strip())
        if m:
            add(m.group(1), m.group(2))
    return found


_VISIBLE = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::svg)]")


def _visible(element: Any) -> list[str]:
    return _VISIBLE(element) if isinstance(element.tag, str) else []


def _text(node: Selector) -> str:
    return " ".join(" ".join(node.xpath(".//text()").getall()).split())


def _value_after(tag: Selector) -> str:
    """The text that follows a label element up to the next line break or label."""
    parts: list[str] = []
    node: Any = tag.root
    tail = node.tail or ""
    parts.append(tail)
    sibling = node.getnext()
    while sibling is not None and sum(len(p) for p in parts) < MAX_VALUE:
        tag_name = sibling.tag if isinstance(sibling.tag, str) else ""
        if tag_name in ("br", "p", "div", "li", "tr", "b", "strong", "dt", "label", "h2", "h3"):
            if tag_name not in ("b", "strong", "label") or "".join(parts).strip():
                break
        parts.append(" ".join(_visible(sibling)))
        parts.append(sibling.tail or "")
        sibling = sibling.getnext()
    value = " ".join("".join(parts).split())
    if not value:
        # <span>Label</span><p>value</p> inside one parent: the text after the label, up to
        # the first link or button ("see more", "show on map")
        parent = node.getparent()
        if parent is not None:
            after: list[str] = []
            seen_label = False
            for el in parent.iter():
                if el is node:
                    seen_label = True
                    continue
                if not seen_label or not isinstance(el.tag, str) or el in node.iterancestors():
                    continue
                if any(a is node for a in el.iterancestors()):
                    continue
                if el.tag in ("a", "button", "script", "style", "svg"):
                    if "".join(after).strip():
                        break
                    continue
                after.append(el.text or "")
                if sum(map(len, after)) > MAX_VALUE:
                    break
            value = " ".join(" ".join(after).split()).strip(" :")
    return value
