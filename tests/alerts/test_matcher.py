"""The matcher on realistic ads: the shipped rules, and how each key of a rule (near,
min_score, none, fields, languages, regexes, emoji) is read; risk scores and highlighting."""

from __future__ import annotations

import random
import re

import pytest

from alerts.matcher import AdText, Matcher, highlight, risk_score
from alerts.rules import load_rules
from alerts.textnorm import normalize_term
from crawler.items import Ad
from tests.alerts.ruletools import RULES_YAML, fired, matcher


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return Matcher(load_rules(RULES_YAML))


ALERTING_ADS = [
    pytest.param(
        "es",
        "job",
        "Trabajo en España – cosecha de fresas",
        "Buscamos 30 personas para la temporada. Visa pagada y pasaje pagado por la empresa. "
        "No se requiere experiencia. Alojamiento incluido (se descuenta del salario). "
        "Cuota de inscripción: 250 USD. Solo por WhatsApp.",
        {"job-fee-and-travel-abroad", "job-housing-deducted-from-pay"},
        id="es-recruiter",
    ),
    pytest.param(
        "pt",
        "job",
        "Trabalho em Portugal, embarque imediato",
        "Vagas para colheita. Passagem paga e visto pago! Não precisa de experiência. "
        "Moradia inclusa, descontado do salário. Taxa de inscrição R$ 400. Chama no zap.",
        {"job-fee-and-travel-abroad", "job-visa-paid-no-experience"},
        id="pt-recruiter",
    ),
    pytest.param(
        "en",
        "job",
        "Farm work in the UK - visa paid",
        "No experience needed. Accommodation provided, the cost is deducted from your wages. "
        "We keep your passport during the contract. Registration fee 200 EUR, pay upfront.",
        {"job-passport-retained", "job-fee-and-travel-abroad"},
        id="en-recruiter",
    ),
    pytest.param(
        "es",
        "job",
        "Empleo en el extranjero: cuidadoras",
        "Viaje a Europa. Al llegar debes entregar el pasaporte a la agencia. "
        "Vivienda proporcionada.",
        {"job-passport-retained"},
        id="es-passport",
    ),
    pytest.param(
        "en",
        "job",
        "W0rk abr0ad!!",
        "V.I.S.A p4id, no experience needed. Contact only via W h a t s A p p.",
        {"job-visa-paid-no-experience", "job-whatsapp-only-abroad"},
        id="en-obfuscated",
    ),
    pytest.param(
        "es",
        "classified",
        "Jovencita colombiana 🍒",
        "Recién cumplidos 18. Fotos 100% reales, no soy fake. "
        "Llámame: seis uno dos tres cuatro cinco seis siete ocho",
        {"escort-youth-and-trust", "escort-youth-and-ethnicity", "escort-obscured-phone"},
        id="es-escort",
    ),
    pytest.param(
        "pt",
        "classified",
        "Novinha brasileira",
        "Fotos reais, sem enganação. Atendo em local próprio 💗👑",
        {"escort-youth-and-trust", "escort-emoji-codes"},
        id="pt-escort",
    ),
    pytest.param(
        "en",
        "classified",
        "Barely legal asian girl",
        "100% real pics, verified. Text 6.1.2.3.4.5.6.7.8.9",
        {"escort-youth-and-ethnicity", "escort-obscured-phone"},
        id="en-escort",
    ),
]


@pytest.mark.parametrize("language, kind, title, body, expected", ALERTING_ADS)
def test_ads_with_combined_indicators_alert(shipped, language, kind, title, body, expected):
    matches = shipped.match({"title": title, "body": body, "language": language, "kind": kind})
    assert expected <= {m.rule_id for m in matches}
    assert risk_score(matches) >= 50
    for m in matches:  # the evidence is the advertiser's own words
        for t in m.terms:
            source = title if t.field == "title" else body
            assert source[t.start : t.end] == t.text
            assert normalize_term(t.text) or t.text


QUIET_ADS = [
    pytest.param(
        "es",
        "job",
        "Camarero/a para restaurante en Madrid",
        "Restaurante del centro busca camarero con o sin experiencia. Contrato indefinido, "
        "1.400 € netos al mes. Envía tu CV a empleo@restaurante.es",
        id="es-waiter-no-experience-only",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajo en el extranjero: enfermeras",
        "Hospital en Alemania contrata enfermeras tituladas. Curso de alemán gratuito.",
        id="es-abroad-only",
    ),
    pytest.param(
        "pt",
        "job",
        "Vaga de motorista",
        "Empresa de logística contrata motorista com CNH D. Transporte fornecido, vale refeição.",
        id="pt-transport-only",
    ),
    pytest.param(
        "en",
        "job",
        "Warehouse operative - immediate start",
        "Transport provided from the city centre. Competitive pay, 40 hours a week. "
        "Apply now, urgent.",
        id="en-transport-and-urgency",
    ),
    pytest.param(
        "en",
        "job",
        "Work abroad in Canada: welders",
        "We do not charge any registration fee. Visa sponsorship for qualified welders. "
        "Travel paid by the employer.",
        id="en-fee-denied",
    ),
    pytest.param(
        "en",
        "classified",
        "New in town!",
        "Leaving soon, limited time only. Screening required, references please.",
        id="en-movement-language",
    ),
    pytest.param(
        "es",
        "classified",
        "Vendo coche Seat Ibiza",
        "Muy buen estado, 120.000 km. Fotos reales. Precio 4.500 €. Llamar al 612 345 678.",
        id="es-car",
    ),
]


@pytest.mark.parametrize("language, kind, title, body", QUIET_ADS)
def test_ordinary_ads_with_at_most_one_indicator_stay_quiet(shipped, language, kind, title, body):
    assert shipped.match({"title": title, "body": body, "language": language, "kind": kind}) == []


def test_an_ad_record_can_be_matched(shipped):
    ad = Ad(
        id="x",
        source="demo",
        kind="job",
        url="https://jobs.example.org/1",
        canonical_url="https://jobs.example.org/1",
        title="Trabajo en Europa",
        body="Pago por adelantado de 300 euros para los trámites. Visa incluida.",
        language="es",
    )
    assert [m.rule_id for m in shipped.match(ad)] == ["job-fee-and-travel-abroad"]


# -- matcher semantics ------------------------------------------------------------------------


def test_near_counts_the_words_between_the_terms():
    m = matcher(
        """\
  - id: near
    name: near
    severity: high
    all: [[visa pagada], [sin experiencia]]
    near: 3
"""
    )
    assert fired(m, body="visa pagada, sin experiencia") == ["near"]
    assert fired(m, body="visa pagada uno dos tres sin experiencia") == ["near"]
    assert fired(m, body="visa pagada uno dos tres cuatro sin experiencia") == []
    assert fired(m, body="sin experiencia y visa pagada") == ["near"]
    # title and body read as one text
    assert fired(m, title="Visa pagada", body="Sin experiencia.") == ["near"]


def test_near_picks_the_closest_pair_of_occurrences():
    m = matcher("  - {id: n, name: n, severity: low, all: [[visa], [pasaje]], near: 0}\n")
    text = "visa " + "x " * 20 + "pasaje " + "x " * 20 + "visa pasaje"
    assert fired(m, body=text) == ["n"]


def test_min_score_sums_distinct_weighted_terms():
    m = matcher(
        """\
  - id: score
    name: score
    severity: medium
    any: [{term: urgente, weight: 2}, whatsapp, viaje inmediato]
    min_score: 3
"""
    )
    assert fired(m, body="Urgente, escribe por whatsapp") == ["score"]
    assert fired(m, body="Urgente urgente URGENTE") == []  # one term, however often
    assert fired(m, body="whatsapp y viaje inmediato") == []  # 2 < 3
    assert fired(m, body="urgente: viaje inmediato") == ["score"]


def test_a_term_inside_a_longer_matched_term_does_not_add_to_the_score():
    m = matcher(
        "  - {id: s, name: s, severity: low, any: [no experience, no experience needed, visa],"
        " min_score: 2}\n"
    )
    assert fired(m, body="No experience needed") == []
    assert fired(m, body="No experience needed, visa") == ["s"]


def test_without_min_score_one_any_term_is_enough():
    m = matcher("  - {id: a, name: a, severity: low, any: [visa, pasaje]}\n")
    assert fired(m, body="el pasaje") == ["a"]
    assert fired(m, body="nada") == []


def test_none_vetoes_the_rule_but_only_in_its_fields():
    m = matcher(
        """\
  - id: fee
    name: fee
    severity: high
    fields: [body]
    all: [[registration fee], [visa]]
    none: [we do not charge]
"""
    )
    assert fired(m, body="Registration fee, visa") == ["fee"]
    assert fired(m, body="We do not charge a registration fee. Visa.") == []
    assert fired(m, title="We do not charge", body="Registration fee, visa") == ["fee"]


def test_fields_limit_where_terms_count():
    m = matcher("  - {id: t, name: t, severity: low, fields: [title], any: [visa]}\n")
    assert fired(m, title="Visa", body="") == ["t"]
    assert fired(m, title="Trabajo", body="visa") == []


def test_languages_and_kinds_limit_which_ads_a_rule_sees():
    m = matcher(
        "  - {id: es, name: es, severity: low, languages: [es], kinds: [job], any: [visa]}\n"
    )
    assert fired(m, body="visa", language="es", kind="job") == ["es"]
    assert fired(m, body="visa", language="es-AR", kind="job") == ["es"]
    assert fired(m, body="visa", language=None, kind=None) == ["es"]  # not detected: checked
    assert fired(m, body="visa", language="pt", kind="job") == []
    assert fired(m, body="visa", language="es", kind="classified") == []


def test_phrases_do_not_run_from_the_title_into_the_body():
    m = matcher("  - {id: p, name: p, severity: low, any: [visa pagada]}\n")
    assert fired(m, title="Visa", body="Pagada") == []
    assert fired(m, title="Visa pagada", body="") == ["p"]


def test_regexes_run_on_normalized_text_with_and_without_literals():
    m = matcher(
        r"""  - id: r
    name: r
    severity: low
    any:
      - regex: '\bsalario de \d{4,}\b'
      - regex: '\d+ euros'
      - regex: '\b\d(?: \d){7,}\b'
"""
    )
    ad = {"title": "", "body": "SALARIO DE 3000 al mes, o 500 EUROS. Tel 6-1-2-3-4-5-6-7-8"}
    (match,) = m.match(ad)
    assert [t.text for t in match.terms] == ["SALARIO DE 3000", "500 EUROS", "6-1-2-3-4-5-6-7-8"]
    assert m.match({"title": "", "body": "salario de 300"}) == []


def test_emoji_terms_match_with_or_without_variation_selectors():
    m = matcher("  - {id: e, name: e, severity: low, any: ['🌹', '✈️']}\n")
    (match,) = m.match({"title": "Hola🌹🌹", "body": "viajo ✈ pronto"})
    assert [(t.field, t.text) for t in match.terms] == [
        ("title", "🌹"),
        ("title", "🌹"),
        ("body", "✈"),
    ]


def test_spaced_out_letters_are_found_and_shown_as_written():
    m = matcher("  - {id: w, name: w, severity: low, any: [whatsapp]}\n")
    (match,) = m.match({"title": "", "body": "solo por W h a t s A p p: 600"})
    assert [t.text for t in match.terms] == ["W h a t s A p p"]


def test_every_occurrence_is_evidence_in_text_order():
    m = matcher("  - {id: a, name: a, severity: low, any: [visa, pasaje pagado]}\n")
    (match,) = m.match({"title": "VISA", "body": "Pasaje  pagado y visa; visa."})
    assert [(t.term, t.field, t.start, t.end, t.text) for t in match.terms] == [
        ("visa", "title", 0, 4, "VISA"),
        ("pasaje pagado", "body", 0, 14, "Pasaje  pagado"),
        ("visa", "body", 17, 21, "visa"),
        ("visa", "body", 23, 27, "visa"),
    ]
    assert match.score == 2
    assert match.spans == {"title": [(0, 4)], "body": [(0, 14), (17, 21), (23, 27)]}


def test_matches_agree_with_one_regex_per_rule():
    """The automaton finds what a plain regex per rule finds, position by position."""
    rng = random.Random(11)
    words = "visa pasaje pagado sin experiencia urgente whatsapp trabajo ñandú café s3x".split()
    rules = []
    for i in range(60):
        terms = [" ".join(rng.sample(words, rng.randint(1, 2))) for _ in range(rng.randint(1, 3))]
        rules.append(f"  - {{id: r{i}, name: r, severity: low, any: {terms!r}}}\n")
    m = matcher("".join(rules))
    patterns = {
        rule.id: re.compile(
            "(?=(?:"
            + "|".join(rf"\b{re.escape(normalize_term(t.text))}\b" for t in rule.any or [])
            + "))"
        )
        for rule in m.ruleset.rules
    }
    for _ in range(40):
        body = " ".join(rng.choice(words + ["y", ",", "VISA", "Café!"]) for _ in range(30))
        text = AdText("", body)
        expected = {
            (rule_id, text.to_field(hit.start(), hit.start())[1])
            for rule_id, pattern in patterns.items()
            for hit in pattern.finditer(text.text)
        }
        got = {(r.rule_id, t.start) for r in m.match({"title": "", "body": body}) for t in r.terms}
        assert got == expected, body


# -- risk score and highlighting ------------------------------------------------------------


def test_risk_score_adds_severity_points_times_weight_and_caps_at_100():
    m = matcher(
        """\
  - {id: low, name: l, severity: low, any: [a1]}
  - {id: high, name: h, severity: high, weight: 0.5, any: [b1]}
  - {id: crit, name: c, severity: critical, any: [c1]}
"""
    )
    assert risk_score(m.match({"title": "", "body": "a1"})) == 10
    assert risk_score(m.match({"title": "", "body": "a1 b1"})) == 35
    assert risk_score(m.match({"title": "", "body": "a1 b1 c1"})) == 100
    assert risk_score([]) == 0


def test_html_highlight_escapes_the_ad_and_marks_the_evidence():
    text = "<b>Visa</b> & pasaje <script>x</script>"
    m = matcher("  - {id: a, name: a, severity: low, any: [visa, pasaje]}\n")
    (match,) = m.match({"title": "", "body": text})
    out = highlight(text, match.spans["body"], "html")
    assert out == (
        "&lt;b&gt;<mark>Visa</mark>&lt;/b&gt; &amp; <mark>pasaje</mark> "
        "&lt;script&gt;x&lt;/script&gt;"
    )


def test_highlight_merges_overlaps_and_neutralizes_terminal_escapes():
    assert highlight("abcdef", [(0, 3), (2, 4)], "html") == "<mark>abcd</mark>ef"
    out = highlight("visa\x1b[2J ok", [(0, 4)], "ansi")
    assert out == "\x1b[1;31mvisa\x1b[0m?[2J ok"
    with pytest.raises(ValueError):
        highlight("x", [], "markdown")
