"""The shipped rules in the region's own words: voseo verb forms (Paraguay, Argentina,
Uruguay, Central America), the colloquial names of WhatsApp in Paraguay and Brazil, and
ads that recruit girls or young women for work abroad with the travel paid."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.matcher import Matcher
from alerts.rules import load_rules

RULES_YAML = Path(__file__).resolve().parents[2] / "rules.yaml"


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    return Matcher(load_rules(RULES_YAML))


def evidence(matcher: Matcher, title: str, body: str, language: str, kind: str):
    """{rule id: [the ad's own words that fired it]}"""
    ad = {"title": title, "body": body, "language": language, "kind": kind}
    return {m.rule_id: [t.text for t in m.terms] for m in matcher.match(ad)}


# (language, kind, title, body, rule that fires, words of the ad among its evidence)
ALERTING = [
    # voseo: imperative and present of the verbs the rules use
    pytest.param(
        "es",
        "job",
        "Viajá a España a trabajar",
        "Cosecha de fresas, urgente. Escribí al wpp 0981 123 456",
        "job-whatsapp-only-abroad",
        ["Viajá a España", "Escribí al wpp"],
        id="es-py-escribi-al-wpp",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajá en Europa",
        "Ganá hasta 3.000 euros por mes. Escribinos por WhatsApp, solo por wsp.",
        "job-whatsapp-only-abroad",
        ["Trabajá en Europa", "Ganá hasta", "Escribinos por WhatsApp", "solo por wsp"],
        id="es-ar-gana-hasta-escribinos",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajo en el exterior",
        "Visa pagada y pasaje pago. No necesitás experiencia ni tenés que hablar el idioma.",
        "job-visa-paid-no-experience",
        ["pasaje pago", "No necesitás experiencia"],
        id="es-uy-no-necesitas-experiencia",
    ),
    pytest.param(
        "es",
        "job",
        "Empleo en el extranjero",
        "Viaje pagado. No precisás experiencia, empezás ya.",
        "job-visa-paid-no-experience",
        ["Viaje pagado", "No precisás experiencia"],
        id="es-uy-no-precisas",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajá en Italia en hoteles",
        "Alojamiento incluido. Al llegar entregás tu pasaporte al encargado.",
        "job-passport-retained",
        ["Trabajá en Italia", "Alojamiento incluido", "entregás tu pasaporte"],
        id="es-entregas-tu-pasaporte",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajo en España",
        "Pagás la inscripción de 200 dólares y viajás la semana que viene.",
        "job-fee-and-travel-abroad",
        ["Trabajo en España", "Pagás la inscripción"],
        id="es-pagas-la-inscripcion",
    ),
    pytest.param(
        "es",
        "job",
        "Peones para estancia",
        "No importa si no tenés papeles. Vivienda incluida.",
        "job-no-papers-housing",
        ["No importa si no tenés papeles", "Vivienda incluida"],
        id="es-no-tenes-papeles",
    ),
    pytest.param(
        "es",
        "job",
        "Operarios de frigorífico",
        "Alojamiento incluido, se te descuenta del sueldo cada quincena.",
        "job-housing-deducted-from-pay",
        ["Alojamiento incluido", "descuenta del sueldo"],
        id="es-se-te-descuenta",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajo sin requisitos",
        "Pasaje pago. Alojamiento incluido. No necesitás experiencia. Urgente. "
        "Ganás en dólares. Solo wpp.",
        "job-many-indicators",
        ["Pasaje pago", "No necesitás experiencia", "Ganás en dólares", "Solo wpp"],
        id="es-many-indicators-voseo",
    ),
    # Brazilian and Paraguayan names of WhatsApp
    pytest.param(
        "pt",
        "job",
        "Trabalho em Portugal, embarque imediato",
        "Colheita de frutas. Me chama no wpp!",
        "job-whatsapp-only-abroad",
        ["chama no wpp"],
        id="pt-chama-no-wpp",
    ),
    pytest.param(
        "pt",
        "job",
        "Vagas para trabalhar na Europa",
        "Ganhe até 2 mil euros. Só zapzap, manda mensagem no whats.",
        "job-whatsapp-only-abroad",
        ["Só zapzap", "manda mensagem no whats"],
        id="pt-so-zapzap",
    ),
    pytest.param(
        "pt",
        "job",
        "Emprego no exterior",
        "Passagem paga! Não precisa ter experiência. Contato pelo wpp.",
        "job-visa-paid-no-experience",
        ["Passagem paga", "Não precisa ter experiência"],
        id="pt-nao-precisa-ter-experiencia",
    ),
    pytest.param(
        "es",
        "job",
        "Trabajo en Dubái",
        "Salarios altos. Contactate por guasap.",
        "job-whatsapp-only-abroad",
        ["Contactate por guasap"],
        id="es-contactate-por-guasap",
    ),
    # girls or young women for work abroad, travel paid
    pytest.param(
        "es",
        "job",
        "Se buscan chicas de 18 a 25 años",
        "Para trabajar en Argentina en confitería. Pasaje pago, escribí al wpp.",
        "job-young-women-abroad-travel-paid",
        ["chicas", "en Argentina", "Pasaje pago"],
        id="es-py-chicas-argentina",
    ),
    pytest.param(
        "es",
        "classified",
        "Señoritas para trabajar en España",
        "Te pagamos el pasaje y el alojamiento.",
        "job-young-women-abroad-travel-paid",
        ["Señoritas", "trabajar en España", "Te pagamos el pasaje"],
        id="es-senoritas-espana",
    ),
    pytest.param(
        "pt",
        "job",
        "Procuramos meninas para trabalhar na Europa",
        "Passagem por conta da empresa. Chama no zap.",
        "job-young-women-abroad-travel-paid",
        ["meninas", "trabalhar na Europa", "Passagem por conta da empresa"],
        id="pt-meninas-europa",
    ),
    pytest.param(
        "pt",
        "classified",
        "Moças para casa de família no exterior",
        "Viagem paga, início imediato.",
        "job-young-women-abroad-travel-paid",
        ["Moças", "no exterior", "Viagem paga"],
        id="pt-mocas-exterior",
    ),
    pytest.param(
        "en",
        "job",
        "Young women wanted for hostess work in Dubai",
        "Flights provided, visa included.",
        "job-young-women-abroad-travel-paid",
        ["Young women", "in Dubai", "Flights provided"],
        id="en-young-women-dubai",
    ),
    pytest.param(
        "en",
        "job",
        "Girls needed abroad",
        "Free flight and accommodation.",
        "job-young-women-abroad-travel-paid",
        ["Girls", "abroad", "Free flight"],
        id="en-girls-abroad",
    ),
    # the escort rules' verbs in voseo
    pytest.param(
        "es",
        "classified",
        "Jovencita paraguaya",
        "Soy real, vení a conocerme.",
        "escort-youth-and-trust",
        ["Jovencita", "Soy real"],
        id="es-soy-real",
    ),
]


@pytest.mark.parametrize("language, kind, title, body, rule, words", ALERTING)
def test_the_region_s_wording_alerts(shipped, language, kind, title, body, rule, words):
    found = evidence(shipped, title, body, language, kind)
    assert rule in found, found
    assert set(words) <= set(found[rule]), found[rule]


QUIET = [
    pytest.param(
        "es",
        "classified",
        "Vendo celular Samsung",
        "Poco uso, con caja. Escribí al wpp o mandame mensaje al whats. Entrega en Asunción.",
        id="es-contact-words-in-a-sale",
    ),
    pytest.param(
        "es",
        "job",
        "Buscamos chicas para atención al público",
        "Local en Luque. Horario de 8 a 17. Escribinos al wsp.",
        id="es-girls-wanted-at-home",
    ),
    pytest.param(
        "es",
        "classified",
        "Ropa para chicas",
        "Temporada verano, envío gratis a todo el país. Consultá por wpp.",
        id="es-clothes-for-girls",
    ),
    pytest.param(
        "pt",
        "classified",
        "Pacote de viagem para a Europa",
        "Passagem aérea paga em 10x, hotel incluso. Chama no zap.",
        id="pt-holiday-package",
    ),
    pytest.param(
        "es",
        "job",
        "Vendedor/a para tienda",
        "No necesitás experiencia, te capacitamos. Ganás comisiones. Escribí al wpp.",
        id="es-local-sales-job",
    ),
    pytest.param(
        "pt",
        "job",
        "Auxiliar de cozinha",
        "Não precisa ter experiência. Vale transporte. Chama no zap.",
        id="pt-local-kitchen-job",
    ),
]


@pytest.mark.parametrize("language, kind, title, body", QUIET)
def test_the_region_s_ordinary_ads_stay_quiet(shipped, language, kind, title, body):
    assert evidence(shipped, title, body, language, kind) == {}


# Phrases the rules once listed one by one, now found by a pattern for every person of the
# verb: each still fires its rule, next to the indicator the rule pairs it with.
SPELLED_OUT = [
    *(
        ("job-visa-paid-no-experience", "Visa pagada.", phrase)
        for phrase in (
            "No se requiere experiencia",
            "No requiere experiencia",
            "No necesitas experiencia",
            "No hace falta experiencia",
            "No se necesitan papeles",
            "Não precisa de experiência",
            "Não é necessária experiência",
            "Não exige experiência",
        )
    ),
    *(
        ("job-no-papers-housing", "Alojamiento incluido.", phrase)
        for phrase in ("No se necesitan papeles", "Não precisa de documentos")
    ),
    *(
        ("job-whatsapp-only-abroad", "Trabajo en España, urgente.", phrase)
        for phrase in (
            "Solo WhatsApp",
            "Solo por WhatsApp",
            "Únicamente por WhatsApp",
            "Contacto por WhatsApp",
            "Escríbenos al WhatsApp",
            "Só WhatsApp",
            "Só pelo WhatsApp",
            "Apenas WhatsApp",
            "Apenas pelo WhatsApp",
            "Somente WhatsApp",
            "Contato pelo WhatsApp",
            "Chama no WhatsApp",
            "Chama no zap",
            "Only WhatsApp",
            "Only via WhatsApp",
            "Contact via WhatsApp",
            "Message on WhatsApp",
        )
    ),
    *(
        ("job-whatsapp-only-abroad", "Trabajo en España. Solo por WhatsApp.", phrase)
        for phrase in ("Gana hasta 3.000 €", "Gane hasta 3.000 €", "Ganhe até 3.000 €")
    ),
]


@pytest.mark.parametrize("rule, context, phrase", SPELLED_OUT)
def test_phrases_once_spelled_out_still_fire(shipped, rule, context, phrase):
    found = evidence(shipped, "", f"{context} {phrase}.", None, "job")
    assert rule in found, found
    assert any(phrase.startswith(words) for words in found[rule]), found[rule]
