"""classify() with the shipped rules/classify.toml, and ClassifyRules validation.

The sentences here are written for these tests (none is copied from the labelled set in
tests/data/labelled), so they check that the rules generalise to mail the support team
has not seen yet. Rule ids: R-HRS-3 / R-SLA-1 (emergency = every workstation),
R-SCO-1 / R-SCO-2 (scope).
"""

import copy
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.core.classify import ClassifyRules, classify
from mailbot.core.phrases import compile_pattern, fold
from mailbot.errors import ConfigError
from mailbot.settings.rules import MODEL_FILE, load_text_model

RULES_FILE = Path(__file__).resolve().parents[2] / "rules" / "classify.toml"
SOURCE = "rules/classify.toml"
_MODEL, _REF = load_text_model(RULES_FILE.with_name(MODEL_FILE))
_RULES = ClassifyRules.from_dict(
    tomllib.loads(RULES_FILE.read_text(encoding="utf-8")), SOURCE, _MODEL, _REF
)


@pytest.fixture(scope="module")
def doc() -> dict:
    return tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rules(doc) -> ClassifyRules:
    return ClassifyRules.from_dict(doc, SOURCE, _MODEL, _REF)


# --- emergency: R-HRS-3, R-SLA-1 -------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Problem z F-K", "Od 9:00 żaden z naszych komputerów nie może połączyć się z F-K."),
        ("SOOT", "SOOT nie działa u nas na żadnym stanowisku, kasy stoją."),
        ("", "Nie da się zalogować do Kadr-Płac na wszystkich komputerach w firmie."),
        ("Pilne", "Cała księgowość stoi – F-K nie startuje."),
        ("", "Od rana nikt nie może pracować w SOOT."),
        ("awaria", "soot nie dziala na zadnym kompie"),  # no diacritics, slang
        ("", "NIKT NIE MOZE SIE ZALOGOWAC DO FK, WSZEDZIE BLAD"),  # all caps
        ("Kadry", "Program nie otwiera się u nikogo, sprawdziłyśmy wszystkie trzy komputery."),
        ("F-K", "Mam F-K tylko na jednym komputerze – to mój jedyny komputer i nie startuje."),
        ("URGENT", "None of our users can log in to F-K since this morning."),
        ("AWARIA – cała firma nie może pracować w SOOT", "Proszę o telefon."),  # subject only
        ("", "F-K nie działa na żadnym komputerze, raporty się nie otwierają."),
    ],
)
def test_every_workstation_down_is_an_emergency(rules, subject, text):
    result = classify(subject, text, rules)
    assert result.emergency, result.reasons
    assert rules.threshold <= result.score <= 1.0


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Na komputerze w recepcji F-K nie działa od rana.", "one workstation"),
        ("F-K nie działa na dwóch komputerach, na trzecim działa normalnie.", "part"),
        ("U koleżanki Kadry-Płace nie uruchamia się, u mnie działa.", "one workstation"),
        ("Co zrobić, gdyby SOOT przestał działać na wszystkich kasach?", "hypothetical"),
        ("Czy jeśli serwer padnie, to wszystkie stanowiska przestaną działać?", "question"),
        ("Jutro nie będzie prądu, więc nikt nie będzie mógł pracować w F-K.", "future"),
        ("Wczoraj na wszystkich komputerach nie działał SOOT, dziś jest ok.", "past"),
        ("Już działa na wszystkich stanowiskach, dziękujemy!", "negated: over"),
        ("Nie jest to pilne, ale F-K na wszystkich komputerach nie działa z drukarką.", "neg"),
        ("Na wszystkich stanowiskach SOOT działa bardzo wolno, ale da się pracować.", "slow"),
        ("Drukarka nie działa z żadnego komputera, program działa normalnie.", "printer"),
        ("Nikt u nas nie wie, jak zrobić korektę listy płac.", "know-how, not a failure"),
        ("Jestem na urlopie. W sprawach pilnych: tel. 600 000 000.", "auto-reply"),
        ("Na wszystkich komputerach nie działa skrót F5 w SOOT.", "one function"),
        ("Eksport do JPK nie działa na żadnym stanowisku.", "one function"),
        ("Program działa, tylko na wszystkich komputerach nie drukuje etykiet.", "limited"),
    ],
)
def test_not_an_emergency(rules, text, why):
    result = classify("", text, rules)
    assert not result.emergency, (why, result.reasons)


def test_reasons_quote_the_deciding_phrases_as_written(rules):
    result = classify("", "F-K nie uruchamia się na żadnym komputerze.", rules)
    assert "'na żadnym komputerze'" in result.reasons
    assert "'nie uruchamia'" in result.reasons


def test_reasons_name_what_cancelled_or_ignored(rules):
    over = classify("", "SOOT już działa, wcześniej nikt nie mógł pracować.", rules)
    assert "negated: 'już działa'" in over.reasons
    maybe = classify("", "Gdyby F-K nie działał na wszystkich komputerach, co robić?", rules)
    assert any(r.startswith("hypothetical: 'Gdyby'") for r in maybe.reasons)
    assert maybe.score == 0.0


@pytest.mark.parametrize(
    "place",
    ["na żadnym stanowisku", "na wszystkich stanowiskach", "na każdym komputerze",
     "na wszystkich komputerach", "na żadnej kasie", "na obu laptopach"],
)  # fmt: skip
def test_inflected_everywhere_phrases(rules, place):
    assert classify("", f"SOOT nie uruchamia się {place}.", rules).emergency


def test_diacritics_do_not_matter(rules):
    polish = "Od rana Kadry-Płace nie działają na żadnym komputerze, błąd bazy."
    ascii_only = "od rana kadry-place nie dzialaja na zadnym komputerze, blad bazy."
    a, b = classify("", polish, rules), classify("", ascii_only, rules)
    assert (a.emergency, a.scope, a.product) == (b.emergency, b.scope, b.product)
    assert a.emergency and a.product == "Kadry-Płace"


# --- replies and quoted history --------------------------------------------------------
OLD_REPORT = "\n\nW dniu 24.11.2026 o 10:15, Jan pisze:\n> SOOT nie działa na żadnym stanowisku.\n"


def test_reply_subject_does_not_count_for_emergency(rules):
    subject = "Re: AWARIA – nikt nie może pracować w F-K"
    thanks = classify(subject, "Dziękujemy, działa." + OLD_REPORT, rules, is_reply=True)
    assert not thanks.emergency
    assert thanks.product == "F-K"  # the subject still names the product
    fresh = classify(subject.removeprefix("Re: "), "Proszę o telefon.", rules)
    assert fresh.emergency


def test_quoted_emergency_does_not_make_a_thank_you_urgent(rules):
    result = classify("Re: Pilne", "Dziękuję za szybką reakcję." + OLD_REPORT, rules, is_reply=True)
    assert not result.emergency
    assert result.scope == "other"
    assert result.product == "SOOT"  # found in the thread only
    assert all(r.startswith("thread: ") for r in result.product_reasons)


def test_still_failing_reply_reads_the_thread(rules):
    result = classify("Re: SOOT", "Restart nie pomógł, dalej to samo." + OLD_REPORT, rules,
                      is_reply=True)  # fmt: skip
    assert result.emergency
    assert any(r.startswith("thread: ") for r in result.reasons)


def test_new_failure_in_an_old_harmless_thread(rules):
    text = "Termin pasuje, ale teraz F-K nie startuje na żadnym komputerze." + OLD_REPORT
    result = classify("Re: Rozdzielenie lat", text, rules, is_reply=True)
    assert result.emergency
    assert result.scope != "year_split"  # an emergency's request is the failure


# --- scope: R-SCO-1 (in scope), R-SCO-2 (out of scope) ---------------------------------
@pytest.mark.parametrize(
    ("scope", "subject", "text"),
    [
        ("consultation", "Pytanie", "Jak wystawić fakturę zaliczkową w SOOT?"),
        ("consultation", "Uprawnienia", "Czy operator może widzieć tylko swoje dokumenty?"),
        ("document_fix", "Dokument", "Omyłkowo zaksięgowałam fakturę w zamkniętym okresie, "
                                     "nie mogę jej cofnąć. Prosimy o poprawienie."),
        ("database_repair", "Saldo", "Po zaniku prądu baza zgłasza błąd bazy danych, "
                                     "indeks kartoteki jest uszkodzony."),
        ("database_repair", "Dubel", "Kontrahent występuje w kartotece dwa razy, "
                                     "zdublowany rekord nie daje się usunąć."),
        ("year_split", "Rozdzielenie", "Proszę o rozdzielenie lat w Kadrach-Płacach w styczniu."),
        ("programming", "Nowy raport", "Prosimy o wycenę nowego raportu sprzedaży wg regionów."),
        ("programming", "Sklep", "Czy zrobicie integrację SOOT ze sklepem internetowym?"),
        ("hardware", "Router", "Router w biurze restartuje się co godzinę, znika internet."),
        ("hardware", "Drukarka", "Drukarka sieciowa w magazynie nie drukuje etykiet."),
        ("visit", "Szkolenie", "Prosimy o przyjazd konsultanta i szkolenie na miejscu."),
        ("other", "Pakiet", "Ile godzin zostało nam w pakiecie?"),
        ("other", "Wolno", "Raporty w Hurtowni Danych otwierają się bardzo wolno."),
        ("other", "Licencja", "Program pokazuje, że licencja wygasa za tydzień."),
    ],
)  # fmt: skip
def test_scopes(rules, scope, subject, text):
    result = classify(subject, text, rules)
    assert result.scope == scope, result.scope_reasons


def test_a_care_quote_is_not_programming(rules):
    text = "Proszę o wycenę opieki autorskiej dla F-K na trzy stanowiska."
    assert classify("Wycena", text, rules).scope == "other"


# --- product ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Problem w SOOT z fakturą.", "SOOT"),
        ("Problem w FK z wyciągiem.", "F-K"),
        ("W F-K nie widzę konta 201.", "F-K"),
        ("Pytanie o Kadr-Płac.", "Kadry-Płace"),
        ("w kadry place nie liczy sie urlop", "Kadry-Płace"),
        ("W Kadrach-Płacach brakuje pola.", "Kadry-Płace"),
        ("Raport w hurtowni danych jest pusty.", "Hurtownia Danych"),
        ("Jak zrobić korektę do WZ, gdy klient zwrócił towar?", "SOOT"),  # hints only
        ("Lista płac nie nalicza dodatku dla pracownika.", "Kadry-Płace"),  # hints only
        ("Hurtownia Elektryczna ABC: program nie drukuje raportu.", "other"),  # our client
        ("Prosimy o wycenę opieki dla F-K i Kadr-Płac.", "other"),  # two, none primary
        ("Router nie działa, faktury z magazynu wysyłamy mailem.", "other"),  # hardware
    ],
)
def test_products(rules, text, product):
    result = classify("Zgłoszenie", text, rules)
    assert result.product == product, result.product_reasons


def test_product_from_subject_beats_a_passing_mention(rules):
    text = "F-K nie działa u nas. Kadry-Płace działają normalnie."
    assert classify("Problem z F-K", text, rules).product == "F-K"


# --- folding and patterns ----------------------------------------------------------------
def test_fold_keeps_length_and_drops_diacritics():
    text = "Zażółć GĘŚLĄ jaźń, ŁÓDŹ – F-K!"
    assert fold(text) == "zazolc gesla jazn  lodz   f k "
    assert len(fold(text)) == len(text)


def test_nfd_text_is_read_like_nfc(rules):
    nfd = "SOOT nie dzia\u0142a na z\u0307adnym komputerze."  # ż as z + combining dot
    assert classify("", nfd, rules).emergency


@pytest.mark.parametrize(
    ("spec", "text", "hit"),
    [
        ("stanow*", "na stanowiskach", True),
        ("stanow*", "przestanowienie", False),  # a stem starts a word
        ("nie dziala|dzialaja", "nie działają", True),
        ("nie dziala", "nie działało", False),  # no star: exact word (tense matters)
        ("nikt .. nie moze", "nikt w biurze (8 osób) nie może", True),
        ("nikt .. nie moze", "nikt a b c d e nie może", False),  # at most four words between
        ("Kadry-Płace", "kadry place", True),
    ],
)
def test_pattern_syntax(spec, text, hit):
    assert bool(compile_pattern(spec).search(" " + fold(text))) is hit  # space-led


@pytest.mark.parametrize("spec", ["", "..", ".. stoi", "stoi ..", "a**", "|a", "a||b"])
def test_bad_patterns_are_rejected(spec):
    with pytest.raises(ValueError):
        compile_pattern(spec)


# --- validation: errors name the file, entry and key --------------------------------------
def _set(doc: dict, path: list, value) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (["emergency", "phrases", 3, "match", 0], "*", "emergency.phrases[3].match[0]"),
        (["emergency", "phrases", 1, "weight"], "high", "emergency.phrases[1].weight"),
        (["emergency", "phrases", 0, "kind"], "sometimes", "emergency.phrases[0].kind"),
        (["emergency", "phrases", 2], "not a table", "emergency.phrases[2]"),
        (["emergency", "threshold"], 2, "emergency.threshold"),
        (["emergency", "treshold"], 0.8, "emergency.treshold"),  # typo: unknown key
        (["emergency", "continuation", 0], 5, "emergency.continuation[0]"),
        (["emergency", "ignore", 0, "weight"], 1.0, "emergency.ignore[0].weight"),
        (["scope", "min_score"], KeyError, "scope.min_score"),
        (["scope", "phrases", 0, "scope"], "helpdesk", "scope.phrases[0].scope"),
        (["scope", "emergency_scopes", 1], "nope", "scope.emergency_scopes[1]"),
        (["product", "phrases", 0, "kind"], "alias", "product.phrases[0].kind"),
        (["product", "phrases", 0, "product"], "Excel", "product.phrases[0].product"),
        (["product", "margin"], True, "product.margin"),
        (["extra"], {}, "extra"),
    ],
)
def test_config_errors_name_the_key(doc, path, value, key):
    with pytest.raises(ConfigError) as err:
        ClassifyRules.from_dict(_set(doc, path, value), SOURCE, _MODEL)
    assert err.value.key == key
    assert err.value.file == SOURCE
    assert key in str(err.value)


# --- the scoring itself, on a tiny rule set ----------------------------------------------
TINY = {
    "emergency": {
        "threshold": 0.8,
        "continuation": ["dalej to samo"],
        "phrases": [
            {"kind": "failure", "weight": 0.5, "match": ["nie dziala"]},
            {"kind": "failure", "weight": 0.4, "match": ["awaria"]},
            {"kind": "everywhere", "weight": 0.5, "match": ["wszedzie"]},
            {"kind": "both", "weight": 0.5, "match": ["nikt nie pracuje"]},
        ],
        "cancel": [{"reason": "negated", "weight": 0.3, "match": ["nic pilnego"]}],
        "ignore": [{"reason": "past", "match": ["wczoraj"]}],
    },
    "scope": {"min_score": 0.5, "question_default": "consultation",
              "emergency_scopes": ["other"], "phrases": []},
    "product": {"min_score": 0.3, "margin": 0.25, "names_only_scopes": [], "phrases": []},
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Nie działa.", 0.5),  # failure alone
        ("Wszędzie.", 0.5),  # everywhere alone
        ("Nie działa. Nie działa. Wszędzie.", 1.0),  # repetition adds nothing
        ("Awaria, wszędzie.", 0.9),
        ("Nikt nie pracuje.", 1.0),  # "both" counts as failure and everywhere
        ("Nie działa wszędzie. Nic pilnego.", 0.7),  # a cancel subtracts its weight
        ("Wczoraj nie działa wszędzie.", 0.0),  # an ignored sentence does not count
        ("Nie działa wszędzie?", 0.0),  # nor does a question
    ],
)
def test_score_is_best_failure_plus_best_everywhere_minus_cancels(text, score):
    result = classify("", text, ClassifyRules.from_dict(TINY, "tiny.toml"))
    assert result.score == pytest.approx(score)
    assert result.emergency is (score >= 0.8)


def test_rules_survive_pickling_for_the_parse_workers():
    """The workers get the rules pickled: the phrase index must still point at phrases."""
    import pickle
    import tomllib
    from pathlib import Path

    from mailbot.core.classify import ClassifyRules, classify

    path = Path(__file__).resolve().parents[2] / "rules" / "classify.toml"
    rules = ClassifyRules.from_dict(tomllib.loads(path.read_text("utf-8")), str(path), _MODEL)
    copy = pickle.loads(pickle.dumps(rules))
    subject, text = "AWARIA F-K", "F-K nie działa na żadnym komputerze, nikt nie może pracować."
    assert classify(subject, text, copy) == classify(subject, text, rules)
    assert classify(subject, text, copy).emergency


# --- the space-led patterns (faster) match exactly where \b-led ones would ----------
def _all_phrases(rules: ClassifyRules) -> list:
    return [*rules.signals, *rules.cancels, *rules.ignores, *rules.continuation,
            *rules.scope_phrases, *rules.product_phrases]  # fmt: skip


def _vocabulary() -> list[str]:
    """Words that make the shipped phrases match, miss by a letter, or run into others."""
    words = set(re.findall(r"[a-z0-9]+", fold(RULES_FILE.read_text(encoding="utf-8"))))
    return sorted(words | {w + "a" for w in words} | {w[:-1] for w in words if len(w) > 2})


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(_vocabulary()), max_size=25),
    gaps=st.lists(st.sampled_from([" ", "  ", "   "]), min_size=25, max_size=25),
    edges=st.tuples(st.sampled_from(["", " "]), st.sampled_from(["", " "])),
)
def test_space_led_patterns_find_what_word_boundary_patterns_find(words, gaps, edges):
    folded = edges[0] + "".join(w + g for w, g in zip(words, gaps, strict=False)).rstrip()
    folded += edges[1]
    for phrase in _all_phrases(_RULES):
        bounded = re.compile(r"\b" + phrase.regex.pattern[1:])  # the textbook form
        assert phrase.spans(folded) == [m.span() for m in bounded.finditer(folded)]
        first = bounded.search(folded)
        assert phrase.search(folded) == (first.span() if first else None)
        assert phrase.blank(folded) == bounded.sub(lambda m: " " * len(m[0]), folded)


def test_rules_travel_to_a_worker_without_the_model_and_get_it_back():
    """The parse workers get the rules with every chunk of mail: without the ~0.5 MB model,
    which a worker loads once from the file named by model_ref (intake/prepare.py)."""
    import pickle

    from mailbot.intake.prepare import _with_model

    light = _RULES.without_model()
    assert isinstance(light, ClassifyRules) and light.model is None
    assert light.model_ref == _REF
    assert len(pickle.dumps(light)) < len(pickle.dumps(_RULES)) / 5
    back = _with_model(pickle.loads(pickle.dumps(light)))
    text = "F-K nie uruchamia się na żadnym komputerze, nikt nie może pracować."
    assert classify("", text, back) == classify("", text, _RULES)
