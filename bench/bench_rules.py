"""Rule matching throughput: 10,000 rules over 5 MB of ad-like text.

Run from the project root: ``PYTHONPATH=. python bench/bench_rules.py`` (``--quick`` for a
smaller run). Everything is generated from fixed seeds: a Spanish, Portuguese and English
vocabulary with a long Zipf tail, ads built from it (titles, sentences, prices, phone
numbers, typographic quotes, some emoji and some obfuscated words), and rules whose terms
are tail words, collocations that the ads contain and phrases that they do not, with about
2% regex rules.

Rule terms are mostly words and phrases that ads carry only now and then (a pool of
specific words that ads mention a few times each, collocations, rare phrases), with some
common tail words and emoji. With the default ``--density 1`` about half of the ads match
a rule (1.7 rules per ad); the script prints that density, since throughput falls as more
rules fire (each match is located in the original text): ``--density 4`` gives 3.6.

It prints the machine's core count, ``rules_mb_per_s`` (the matcher over all the text,
normalization included) and, last, ``rules_speedup``: a loop of one compiled regex per rule
(every term of the rule in one alternation, on token boundaries, over the normalized text)
timed on a 20 KB sample and divided by the matcher's time on the same sample. Both must
find exactly the same (rule, field, position) set, or the script fails.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from alerts.matcher import AdText, Matcher  # noqa: E402
from alerts.rules import RuleSet  # noqa: E402
from alerts.textnorm import normalize_term  # noqa: E402

SEED = 20260427

ES = """de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya
o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo
nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos
yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas
algunas algo nosotros trabajo empresa salario contrato experiencia vivienda alojamiento
transporte horario semana mes año días horas personal oferta empleo puesto candidatos
requisitos buscamos ofrecemos necesitamos interesados llamar enviar currículum teléfono
correo ciudad zona centro cerca casa habitación piso alquiler precio venta coche nuevo usado
buen estado excelente urgente disponible inmediata incorporación jornada completa media
limpieza cocina camarero camarera cocinero ayudante repartidor conductor almacén fábrica
construcción obra albañil pintor electricista fontanero jardinero agricultura campo cosecha
fruta recogida temporada cuidado niños mayores interna externa doméstica hogar hotel
restaurante bar tienda dependiente cajero atención cliente ventas comercial oficina
administrativo recepcionista seguridad vigilante mantenimiento técnico mecánico taller
español inglés idioma documentos papeles permiso visa pasaporte viaje pasaje avión país
extranjero europa españa madrid barcelona valencia sevilla gracias hola información contacto
whatsapp mensaje llama escribe pregunta dudas condiciones pago sueldo euros neto bruto""".split()

PT = """de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao
ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela
entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num
nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho lhe deles essas esses
trabalho emprego vaga empresa salário contrato experiência moradia alojamento transporte
horário semana mês ano dias horas pessoal oferta candidatos requisitos procuramos oferecemos
precisamos interessados ligar enviar currículo telefone email cidade bairro centro perto
casa quarto apartamento aluguel preço venda carro novo usado bom estado ótimo urgente
disponível imediato início jornada integral meio período limpeza cozinha garçom garçonete
cozinheiro ajudante entregador motorista armazém fábrica construção obra pedreiro pintor
eletricista encanador jardineiro agricultura campo colheita fruta safra temporada cuidador
crianças idosos doméstica lar hotel restaurante bar loja vendedor caixa atendimento cliente
vendas comercial escritório administrativo recepcionista segurança vigilante manutenção
técnico mecânico oficina português inglês idioma documentos papéis autorização visto
passaporte viagem passagem avião país exterior europa portugal lisboa porto brasil obrigado
olá informação contato whatsapp mensagem chama escreva pergunta dúvidas condições pagamento
reais líquido bruto benefícios alimentação""".split()

EN = """the of and to in is you that it he was for on are as with his they at be this have from
or one had by word but not what all were we when your can said there use an each which she do
how their if will up other about out many then them these so some her would make like him
into time has look two more write go see number no way could people my than first water been
call who its now find long down day did get come made may part job work company salary
contract experience housing accommodation transport hours week month year days staff offer
position candidates requirements looking offering need interested call send resume phone
email city area centre near house room flat rent price sale car new used good condition
excellent urgent available immediate start full time part cleaning kitchen waiter waitress
cook helper driver delivery warehouse factory construction site builder painter electrician
plumber gardener farm field harvest fruit picking season care children elderly live home
hotel restaurant bar shop assistant cashier customer service sales office admin receptionist
security guard maintenance technician mechanic garage english language documents papers
permit visa passport travel ticket flight country abroad europe london manchester thanks
hello information contact whatsapp message text question details conditions payment wage
pounds net gross benefits meals overtime weekly""".split()

EMOJI = ["🌹", "🍒", "💗", "👑", "✈️", "🔥", "💋", "⭐", "👍🏽", "📞", "🇪🇸", "🇧🇷", "💰", "✅"]
OBFUSCATED = [
    "v.i.s.a",
    "w h a t s a p p",
    "s3x",
    "p@ss",
    "v1s4",
    "ｖｉｓａ",
    "vіsа",
    "e-s-c-o-r-t",
]
TYPOGRAPHIC = ["“{}”", "‘{}’", "{}…", "{} –", "«{}»", "¡{}!", "¿{}?"]
SYLLABLES = {
    "es": """ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga go gu la le li lo lu
    ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu
    va ve vi ción rra lla ña que gui""".split(),
    "pt": """ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga go la le li lo lu ma
    me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va
    ve vi ção lho nha ão ões""".split(),
    "en": """ab ac ad al an ar as at ba be bo ca co da de di en er es fa fo ga ha he in is it
    la le li lo ma me mo na ne no on or ou pa pe ra re ri ro sa se si so st ta te th ti to un
    ur wa we wi""".split(),
}


class Corpus:
    """A seeded vocabulary per language: real words first, then a long generated tail;
    collocations that ads repeat; a pool of specific words ("markers") that each ad
    mentions a few of, like the slang and names that real rules look for."""

    def __init__(self, rng: random.Random, tail: int = 6000, markers: int = 30_000):
        self.words: dict[str, list[str]] = {}
        self.cum: dict[str, list[float]] = {}
        for lang, base in (("es", ES), ("pt", PT), ("en", EN)):
            seen = set(base)
            words = list(dict.fromkeys(base))
            sylls = SYLLABLES[lang]
            while len(words) < len(base) + tail:
                w = "".join(rng.choice(sylls) for _ in range(rng.randint(2, 4)))
                if w not in seen:
                    seen.add(w)
                    words.append(w)
            self.words[lang] = words
            weights = [1.0 / (rank + 1) ** 1.07 for rank in range(len(words))]
            total = 0.0
            cum = []
            for w in weights:
                total += w
                cum.append(total)
            self.cum[lang] = cum
        # collocations: word pairs and triples that ads repeat (and rules may target)
        self.collocations: dict[str, list[str]] = {}
        for lang, words in self.words.items():
            content = words[120:]
            self.collocations[lang] = [
                " ".join(rng.sample(content[: 400 + 40 * k], rng.choice((2, 2, 3))))
                for k in range(300)
            ]
        pool = set()
        consonants, vowels = "bcdfgjklmnprstvxz", "aeiou"
        while len(pool) < markers:
            pool.add(
                "".join(
                    rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(3, 5))
                )
                + rng.choice(consonants)
            )
        self.markers = sorted(pool)

    def sample(self, rng: random.Random, lang: str, k: int) -> list[str]:
        words = rng.choices(self.words[lang], cum_weights=self.cum[lang], k=k)
        # i.i.d. words put "y a o" in a row far more often than grammar does; three
        # single-letter words in a row would look like spaced-out letters
        for i in range(2, len(words)):
            if len(words[i]) == len(words[i - 1]) == len(words[i - 2]) == 1:
                words[i] = self.words[lang][-1 - i]
        return words


def make_ads(
    rng: random.Random, corpus: Corpus, total_bytes: int, density: float = 1.0
) -> list[dict]:
    ads = []
    size = 0
    while size < total_bytes:
        lang = rng.choices(("es", "pt", "en"), weights=(4, 3, 3))[0]
        fancy = rng.random() < 0.25  # typographic quotes, euro signs
        emoji = rng.random() < 0.08
        title_words = corpus.sample(rng, lang, rng.randint(4, 10))
        title = " ".join(title_words).capitalize()
        if emoji:
            title += " " + rng.choice(EMOJI) * rng.randint(1, 3)
        sentences = []
        for _ in range(rng.randint(6, 30)):
            words = corpus.sample(rng, lang, rng.randint(5, 18))
            if rng.random() < 0.01 * density:
                words.insert(rng.randrange(len(words)), rng.choice(corpus.collocations[lang]))
            if rng.random() < 0.03 * density:
                words.insert(rng.randrange(len(words)), rng.choice(corpus.markers))
            if rng.random() < 0.08:
                words.append(
                    f"{rng.randint(1, 9)}.{rng.randint(0, 999):03d} €"
                    if fancy
                    else f"{rng.randint(300, 4000)} EUR"
                )
            if rng.random() < 0.05:
                words.append(
                    f"+34 6{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
                )
            if rng.random() < 0.003:
                words.append(rng.choice(OBFUSCATED))
            if fancy and rng.random() < 0.2:
                i = rng.randrange(len(words))
                words[i] = rng.choice(TYPOGRAPHIC).format(words[i])
            if emoji and rng.random() < 0.3:
                words.append(rng.choice(EMOJI))
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + rng.choice(".....!?:;"))
        body = rng.choice((" ", "\n", "\n\n")).join(sentences)
        ads.append({"title": title, "body": body, "language": lang, "kind": "job"})
        size += len(title.encode()) + len(body.encode())
    return ads


def make_rules(rng: random.Random, corpus: Corpus, count: int) -> dict:
    rules = []
    langs = ("es", "pt", "en")

    def plain(word: str) -> str:
        folded = unicodedata.normalize("NFKD", word)
        return "".join(c for c in folded if not unicodedata.combining(c))

    for i in range(count):
        lang = rng.choice(langs)
        words = corpus.words[lang]
        if rng.random() < 0.02:
            # like real regex rules, about something specific: a word ads rarely use
            w1 = rng.choice(corpus.markers)
            w2 = plain(rng.choice(words[100:3000]))
            template = rng.choice(
                [
                    r"\b{a}\w{{0,3}}\b",
                    r"\b{a} \d{{1,4}}\b",
                    r"\b{a} (?:de |da |do |of )?{b}\b",
                ]
            )
            if len(w1) < 3 or w1 in (w2, "de", "da", "do", "of"):
                w1 = "zz" + w1
            terms: list = [{"regex": template.format(a=re.escape(w1), b=re.escape(w2))}]
        else:
            terms = []
            for _ in range(rng.randint(1, 6)):
                r = rng.random()
                if r < 0.50:  # a specific word: a few ads mention it
                    terms.append(rng.choice(corpus.markers))
                elif r < 0.505:  # an ordinary word from the tail
                    terms.append(rng.choice(words[3000:]))
                elif r < 0.57:  # a phrase that ads repeat
                    terms.append(rng.choice(corpus.collocations[lang]))
                elif r < 0.67:  # a specific word in a phrase
                    terms.append(rng.choice(corpus.markers) + " " + rng.choice(words[:300]))
                elif r < 0.9995:  # a phrase that rarely or never occurs
                    terms.append(" ".join(rng.sample(words[100:], rng.randint(2, 3))))
                else:
                    terms.append(rng.choice(EMOJI))
        rules.append({"id": f"r{i:05d}", "name": f"rule {i}", "severity": "medium", "any": terms})
    return {"rules": rules}


def baseline_patterns(ruleset: RuleSet) -> list[tuple[str, re.Pattern]]:
    """One regex per rule: every term on token boundaries, as a lookahead so that, like the
    automaton, it reports every start position, overlapping ones included."""
    out = []
    for rule in ruleset.rules:
        alternatives = []
        for term in rule.any or []:
            if term.is_regex:
                alternatives.append(term.regex)
                continue
            key = normalize_term(term.text)
            left = r"\b" if key[0].isalnum() else r"(?<!\S)"
            right = r"\b" if key[-1].isalnum() else r"(?!\S)"
            alternatives.append(left + re.escape(key) + right)
        out.append((rule.id, re.compile("(?=(?:" + "|".join(alternatives) + "))")))
    return out


def run_baseline(patterns, ads) -> set:
    found = set()
    for ad in ads:
        text = AdText(ad["title"], ad["body"])
        s = text.text
        for rule_id, pattern in patterns:
            for m in pattern.finditer(s):
                field, start, _ = text.to_field(m.start(), m.start())
                found.add((rule_id, field, start))
    return found


def run_matcher(matcher: Matcher, ads) -> tuple[set, int]:
    found = set()
    fired = 0
    for ad in ads:
        for m in matcher.match(ad):
            fired += 1
            for t in m.terms:
                found.add((m.rule_id, t.field, t.start))
    return found, fired


def best_of(runs: int, fn) -> float:
    """The shortest wall-clock time of ``runs`` calls (the machine may be shared)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def cpu_time(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--sample-kb", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--density",
        type=float,
        default=1.0,
        help="how often ads mention rule terms (1: half the ads match, 1.7 rules per ad)",
    )
    parser.add_argument("--quick", action="store_true", help="1,000 rules over 0.5 MB")
    args = parser.parse_args(argv)
    if args.quick:
        args.rules, args.mb, args.sample_kb, args.runs = 1000, 0.5, 10.0, 1

    print(f"cores: {os.cpu_count()}")
    print(f"python: {sys.version.split()[0]}")
    rng = random.Random(SEED)
    corpus = Corpus(rng)
    ads = make_ads(rng, corpus, int(args.mb * 1_000_000), args.density)
    total = sum(len(a["title"].encode()) + len(a["body"].encode()) for a in ads)
    print(f"text: {total / 1e6:.2f} MB in {len(ads)} ads")

    t0 = time.perf_counter()
    ruleset = RuleSet.model_validate(make_rules(rng, corpus, args.rules))
    t1 = time.perf_counter()
    matcher = Matcher(ruleset)
    t2 = time.perf_counter()
    regexes = sum(1 for r in ruleset.rules for t in r.any or [] if t.is_regex)
    print(
        f"rules: {len(ruleset.rules)} ({matcher.term_count} distinct terms, {regexes} regex,"
        f" {matcher.key_count} automaton keys); validate {t1 - t0:.1f} s, compile {t2 - t1:.1f} s"
    )

    found, fired = run_matcher(matcher, ads)
    with_match = len({i for i, ad in enumerate(ads) if matcher.match(ad)})
    print(
        f"per ad: {fired / len(ads):.2f} rules fired, {len(found) / len(ads):.2f} term hits"
        f" (rule, field, position); {100 * with_match / len(ads):.0f}% of ads match a rule"
    )
    match = matcher.match
    seconds = best_of(args.runs, lambda: [match(ad) for ad in ads])
    cpu = cpu_time(lambda: [match(ad) for ad in ads])
    normalize_only = best_of(
        args.runs, lambda: [AdText(a["title"], a["body"], spaced_letters=False) for a in ads]
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"normalization alone: {total / 1e6 / normalize_only:.1f} MB/s")
    print(
        f"matcher: {seconds:.2f} s wall (best of {args.runs}), {cpu:.2f} s CPU;"
        f" load average {load:.1f}"
    )
    print(f"rules_mb_per_s: {total / 1e6 / seconds:.1f}")

    sample = []
    size = 0
    for ad in ads:
        if size >= args.sample_kb * 1000:
            break
        sample.append(ad)
        size += len(ad["title"].encode()) + len(ad["body"].encode())
    patterns = baseline_patterns(ruleset)
    t0 = time.perf_counter()
    expected = run_baseline(patterns, sample)
    baseline_s = time.perf_counter() - t0
    got, _ = run_matcher(matcher, sample)
    if got != expected:
        print(f"MISMATCH: only regex {sorted(expected - got)[:10]}", file=sys.stderr)
        print(f"MISMATCH: only matcher {sorted(got - expected)[:10]}", file=sys.stderr)
        return 1
    loops = 20
    ours = best_of(3, lambda: [run_matcher(matcher, sample) for _ in range(loops)]) / loops
    print(f"sample: {size / 1000:.1f} KB, {len(sample)} ads, {len(got)} identical hits")
    print(f"regex loop: {baseline_s:.2f} s; matcher: {ours * 1000:.2f} ms")
    print(f"rules_speedup: {baseline_s / ours:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
