"""Tone engine: curated chat messages (EN/FR), language detection, hostility, odd input."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.tone import (
    ANALYZER,
    LABELS,
    NEGATIVE_THRESHOLD,
    NEUTRAL_BAND,
    POSITIVE_THRESHOLD,
    UNKNOWN,
    HostilityDetector,
    ToneAnalyzer,
    ToneReading,
    label_for,
)

CASES_PATH = Path(__file__).parent / "data" / "tone_cases.tsv"
LABEL_AGREEMENT = 0.90
"""At least this share of curated labels must match; every hostile flag must match."""


def _load_cases() -> list[dict[str, str]]:
    """The curated messages; ``\\n`` in the text column stands for a newline."""
    with CASES_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        row["text"] = row["text"].replace("\\n", "\n")
    return rows


CASES = _load_cases()


@pytest.fixture(scope="module")
def analyzer() -> ToneAnalyzer:
    """One analyzer for the module: it loads its lexicons once (about a second)."""
    return ToneAnalyzer()


def _read(analyzer: ToneAnalyzer, case: dict[str, str]) -> ToneReading:
    return analyzer.read(case["text"], case["language"], reply=case["reply"] == "yes")


def test_curated_set_covers_every_kind_in_both_languages() -> None:
    assert len(CASES) >= 60
    kinds = Counter((case["language"], case["kind"]) for case in CASES)
    for language in ("en", "fr"):
        for kind in ("hostile", "constructive", "neutral", "positive", "sarcastic"):
            assert kinds[(language, kind)] >= 3, (language, kind)
    assert {case["label"] for case in CASES} == set(LABELS)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_hostile_flag_matches_expectation(analyzer: ToneAnalyzer, case: dict[str, str]) -> None:
    reading = _read(analyzer, case)
    assert reading.hostile is (case["hostile"] == "yes"), reading.hostile_reasons


def test_label_agreement_on_curated_set(analyzer: ToneAnalyzer) -> None:
    misses = [
        (case["text"], case["label"], reading.label, reading.polarity)
        for case in CASES
        if (reading := _read(analyzer, case)).label != case["label"]
    ]
    agreement = 1 - len(misses) / len(CASES)
    assert agreement >= LABEL_AGREEMENT, misses


def test_constructive_criticism_and_sarcasm_are_negative_but_never_hostile(
    analyzer: ToneAnalyzer,
) -> None:
    spared = [c for c in CASES if c["kind"] in ("constructive", "sarcastic")]
    readings = [_read(analyzer, case) for case in spared]
    assert not any(r.hostile for r in readings)
    assert sum(r.label == "negative" for r in readings) >= 0.9 * len(readings)


def test_reading_carries_analyzer_name_and_plain_values(analyzer: ToneAnalyzer) -> None:
    reading = analyzer.read("Thanks, that fixed it!")
    assert reading.analyzer == ANALYZER == "pulse-tone/1"
    assert reading.label == "positive" and reading.polarity > POSITIVE_THRESHOLD
    assert reading.hostile is False and reading.hostile_reasons == ()
    with pytest.raises(AttributeError):
        reading.polarity = 0.0  # type: ignore[misc]


def test_label_thresholds_are_explicit() -> None:
    assert POSITIVE_THRESHOLD == NEUTRAL_BAND == -NEGATIVE_THRESHOLD
    assert label_for(NEUTRAL_BAND + 0.001) == "positive"
    assert label_for(NEUTRAL_BAND) == "neutral"
    assert label_for(-NEUTRAL_BAND) == "neutral"
    assert label_for(-NEUTRAL_BAND - 0.001) == "negative"
    assert label_for(0.3, neutral_band=0.5) == "neutral"


def test_neutral_band_is_configurable() -> None:
    wide = ToneAnalyzer(neutral_band=0.9)
    assert wide.read("Thanks, that fixed it!").label == "neutral"
    with pytest.raises(ValueError):
        ToneAnalyzer(neutral_band=1.5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ok merci", UNKNOWN),
        ("lol", UNKNOWN),
        ("c'est génial", UNKNOWN),
        ("great job", UNKNOWN),
        ("je pense que la nouvelle version est vraiment mieux", "fr"),
        ("I think the new version is really much better", "en"),
        ("", UNKNOWN),
    ],
)
def test_language_detection_does_not_guess_on_short_texts(
    analyzer: ToneAnalyzer, text: str, expected: str
) -> None:
    assert analyzer.detect_language(text) == expected


def test_short_text_falls_back_to_default_language(analyzer: ToneAnalyzer) -> None:
    french = analyzer.read("trop bien", default_language="fr")
    assert french.language == "fr" and french.label == "positive"
    assert analyzer.read("trop bien", default_language="en").language == "en"
    assert analyzer.read("super boulot", default_language="fr-CA").language == "fr"
    assert analyzer.read("nice", default_language="de").language == "en"


def test_detected_language_overrides_default(analyzer: ToneAnalyzer) -> None:
    reading = analyzer.read("la doc est vraiment pourrie, impossible de trouver l'option", "en")
    assert reading.language == "fr" and reading.label == "negative"


def test_bare_insult_is_hostile_only_as_a_reply(analyzer: ToneAnalyzer) -> None:
    assert analyzer.read("clown", reply=True).hostile
    assert not analyzer.read("clown").hostile


def test_insults_need_a_target(analyzer: ToneAnalyzer) -> None:
    assert analyzer.read("you are so stupid").hostile_reasons == ("insult:stupid",)
    assert not analyzer.read("this config format is so stupid").hostile
    assert not analyzer.read("you are not stupid, the docs are").hostile
    assert not analyzer.read("I feel so stupid, it was a typo").hostile


def test_threats_need_a_person_and_a_speaker(analyzer: ToneAnalyzer) -> None:
    assert analyzer.read("I'm going to hurt you").hostile_reasons == ("threat:hurt",)
    assert not analyzer.read("I would never hurt you").hostile
    assert not analyzer.read("this bug will kill you lol").hostile
    assert not analyzer.read("I'll kill the process and retry").hostile


def test_obfuscation_is_seen_through(analyzer: ToneAnalyzer) -> None:
    assert analyzer.read("you are an i\u200bd\u200bi\u200bo\u200bt").hostile
    assert analyzer.read("you are a m0r0n").hostile
    assert analyzer.read("you're such an idiooooot").hostile


def test_shouting_at_someone_is_hostile_but_shouting_at_software_is_not(
    analyzer: ToneAnalyzer,
) -> None:
    assert analyzer.read("YOU DELETED MY BRANCH, THIS IS TERRIBLE").hostile_reasons == ("shouting",)
    assert not analyzer.read("THIS INSTALLER IS TERRIBLE").hostile
    assert not analyzer.read("THANK YOU SO MUCH").hostile


def test_community_terms_add_and_remove_hostility(analyzer: ToneAnalyzer) -> None:
    community = analyzer.with_terms(extra_hostile_terms=["gronk"], not_hostile_terms=["shut up"])
    assert community.read("what a gronk").hostile_reasons == ("custom:gronk",)
    assert not community.read("shut up, that's amazing news").hostile
    assert analyzer.read("shut up, that's amazing news").hostile
    assert ToneAnalyzer(extra_hostile_terms=["gronk"]).read("gronk").hostile


def test_hostile_messages_are_never_positive(analyzer: ToneAnalyzer) -> None:
    reading = analyzer.read("you're a clown lol 😂😂")
    assert reading.hostile and reading.label == "negative"


def test_chat_signals(analyzer: ToneAnalyzer) -> None:
    assert analyzer.read("soooo goooood").label == "positive"
    assert analyzer.read(":(").label == "negative"
    assert analyzer.read("😡😡").label == "negative"
    assert analyzer.read("the export doesnt work").label == "negative"
    assert analyzer.read("not bad").label == "positive"
    plain = analyzer.read("the build broke again").polarity
    assert plain < analyzer.read("the build broke again lol").polarity < 0


def test_read_many_matches_read(analyzer: ToneAnalyzer) -> None:
    texts = [case["text"] for case in CASES[:20]]
    assert analyzer.read_many(texts) == [analyzer.read(text) for text in texts]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "😀😡🔥🙄",
        "```python\nraise SystemExit(1)\n```",
        "`rm -rf /`",
        "https://example.com/a?b=c <https://x.org|label> www.example.org",
        "\u200b\u200c\u200d\u2060\ufeff",
        "مرحبا بالعالم هذا رائع",
        "שלום \u202eolleh\u202c עולם",
        "これはすごいです 👍",
        "c'est great, merci for the fix!!! 🎉",
        "a" * 4000,
        "you idiot " * 400,
        ("word " * 800) + "😀" * 200,
        ":::: <<<>>> &&&& @@@@ ####",
        "<@U123|name> <#C1|general> <!channel> <!date^1392734382^{date}|Feb 18>",
        "\x00\x01\x02 control \x7f",
        "\ud800 lone surrogate",
    ],
)
def test_bad_input_gives_a_score_never_a_crash(analyzer: ToneAnalyzer, text: str) -> None:
    _assert_valid(analyzer.read(text))


def _assert_valid(reading: ToneReading) -> None:
    assert -1.0 <= reading.polarity <= 1.0
    assert reading.label in LABELS
    assert reading.label == label_for(reading.polarity)
    assert reading.language in ("en", "fr")
    assert reading.hostile is bool(reading.hostile_reasons)
    assert reading.analyzer == ANALYZER


def test_non_string_input_is_read_as_empty(analyzer: ToneAnalyzer) -> None:
    reading = analyzer.read(None)  # type: ignore[arg-type]
    assert reading.polarity == 0.0 and reading.label == "neutral"


_CHAT_PIECES = st.sampled_from(
    [
        "you",
        "idiot",
        "great",
        "not",
        "lol",
        "🙄",
        "😂",
        ":)",
        ":-(",
        "\u200b",
        "\u202e",
        "```",
        "`",
        "https://x.y/z",
        "<@U1>",
        "&amp;",
        "c'est",
        "nul",
        "!!!",
        "SOOOO",
        "ééé",
        "ß",
        "\n",
        " ",
    ]
)
_TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_CHAT_PIECES, st.text(max_size=8)), max_size=60).map("".join),
    st.text(min_size=3900, max_size=4100),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS, language=st.sampled_from(["en", "fr", "", "xx"]), reply=st.booleans())
def test_any_text_gives_a_valid_reading(
    analyzer: ToneAnalyzer, text: str, language: str, reply: bool
) -> None:
    _assert_valid(analyzer.read(text, language, reply=reply))


def test_hostility_detector_stands_alone() -> None:
    detector = HostilityDetector(extra_terms=["gronk"])
    assert detector.detect("you are an idiot") == ("insult:idiot",)
    assert detector.detect("this release is garbage") == ()
    assert detector.detect("je vais te tuer") == ("threat:tuer",)
    assert detector.detect("what a gronk") == ("custom:gronk",)
    assert detector.detect("clown", reply=True) == ("insult:clown",)
    assert detector.with_terms(not_hostile_terms=["idiot"]).detect("you are an idiot") == ()
    assert detector.detect("you are an idiot") == ("insult:idiot",)
