"""Member profiles: questionnaire, normalisers, validation, visibility and consent."""

from __future__ import annotations

import tomllib
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import catalogue, placeholders
from bot.ports import Role
from bot.profiles import (
    Consent,
    FieldError,
    Kind,
    Outcome,
    Question,
    Questionnaire,
    QuestionnaireError,
    Synonyms,
    Visibility,
    Widget,
    as_fields,
    consent_covers,
    decide,
    default_questionnaire,
    give_consent,
    load_questionnaire,
    normalise_country,
    normalise_email,
    normalise_region,
    normalise_tags,
    normalise_text,
    notice_keys,
    validate,
    visible_fields,
)
from bot.profiles import errors as keys
from bot.profiles.consent import NOTICE_CHANGED, NOTICE_KEYS
from bot.profiles.geo import known_country_codes
from bot.profiles.labels import bundled
from bot.profiles.normalise import MAX_TAG_LENGTH, MAX_TAGS, default_synonyms
from bot.profiles.questionnaire import DEFAULT_QUESTION_IDS, MAX_HINT, MAX_LABEL
from bot.profiles.submission import MESSAGE_KEYS
from bot.profiles.text import caseless, clean_text

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FULL_PROFILE = {
    "display_name": "Amina",
    "email": "amina@example.org",
    "job_function": "Data engineer",
    "company": "Acme",
    "country": "FR",
    "region": "FR-IDF",
    "expertise": ("python", "kubernetes"),
}


# --- the questionnaire -------------------------------------------------------------------


def test_default_questionnaire_asks_the_expected_questions_in_order() -> None:
    questionnaire = default_questionnaire()
    assert questionnaire.ids == (
        "display_name",
        "email",
        "job_function",
        "company",
        "country",
        "region",
        "expertise",
    )
    kinds = {q.id: q.kind for q in questionnaire.questions}
    assert kinds["email"] is Kind.EMAIL and kinds["expertise"] is Kind.TAGS
    assert kinds["country"] is Kind.COUNTRY and kinds["region"] is Kind.REGION
    email = questionnaire.question("email")
    assert not email.required and email.visibility is Visibility.ADMINS
    assert [q.id for q in questionnaire.questions if q.required] == ["display_name"]
    assert questionnaire.question("display_name").label("fr") == "Nom affiché"
    assert questionnaire.question("country").label("de") == "Country"  # English fallback
    assert questionnaire.question("expertise").widget is Widget.PARAGRAPH


@pytest.mark.parametrize("max_inputs", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("reserved", [0, 1])
def test_steps_hold_at_most_max_inputs_and_keep_every_question_once(
    max_inputs: int, reserved: int
) -> None:
    if reserved >= max_inputs:
        with pytest.raises(ValueError):
            default_questionnaire().steps(max_inputs, reserved=reserved)
        return
    pages = default_questionnaire().steps(max_inputs, reserved=reserved)
    assert all(1 <= len(page) <= max_inputs for page in pages)
    assert len(pages[0]) <= max_inputs - reserved
    flat = [question.id for page in pages for question in page]
    assert flat == list(DEFAULT_QUESTION_IDS)


def test_discord_steps_keep_country_and_region_together() -> None:
    pages = default_questionnaire().steps()
    assert [[q.id for q in page] for page in pages] == [
        ["display_name", "email", "job_function", "company"],
        ["country", "region", "expertise"],
    ]
    assert len(default_questionnaire().steps(100)) == 1  # a Slack modal takes them all


def test_a_community_questionnaire_loads_from_toml() -> None:
    raw = tomllib.loads(
        """
        notice_version = 3
        synonyms = { "gcp" = "google cloud" }
        [[questions]]
        id = "display_name"
        [[questions]]
        id = "email"
        required = true
        [[questions]]
        id = "seniority"
        kind = "choice"
        visibility = "moderators"
        labels = { en = "Seniority", fr = "Séniorité" }
        choices = [
            { id = "junior", labels = { en = "Junior" } },
            { id = "senior", labels = { en = "Senior", fr = "Confirmé" } },
        ]
        [[questions]]
        id = "languages"
        kind = "multi-choice"
        labels = { en = "Languages" }
        choices = [
            { id = "en", labels = { en = "English" } },
            { id = "fr", labels = { en = "French" } },
        ]
        [[questions]]
        id = "expertise"
        """
    )
    questionnaire = load_questionnaire(raw)
    assert questionnaire.notice_version == 3
    assert questionnaire.ids == ("display_name", "email", "seniority", "languages", "expertise")
    assert questionnaire.question("email").required
    assert questionnaire.question("email").visibility is Visibility.ADMINS  # from the default
    assert questionnaire.question("languages").kind is Kind.MULTI_CHOICE
    assert questionnaire.synonyms("gcp") == "google cloud"
    assert questionnaire.synonyms("k8s") == "kubernetes"  # shipped synonyms still apply
    result = validate(
        questionnaire,
        {"display_name": "Léa", "email": "lea@example.org", "seniority": "Confirmé",
         "languages": ["fr", "en", "fr"], "expertise": "GCP"},
        "fr",
    )  # fmt: skip
    assert result.ok, result.errors
    assert result.values["seniority"] == "senior"
    assert result.values["languages"] == ("en", "fr")
    assert result.values["expertise"] == ("google cloud",)
    assert load_questionnaire(None) == default_questionnaire()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"questions": [{"id": "team", "kind": "text", "labels": {"en": "Team"}, "colour": 1}]},
         "profile.questions[0] (id 'team'): unknown key 'colour'"),
        ({"questions": [{"id": "team", "kind": "txt", "labels": {"en": "Team"}}]},
         "profile.questions[0] (id 'team'): key 'kind'"),
        ({"questions": [{"id": "email", "visibility": "everyone"}]},
         "(id 'email'): question 'email': email answers are for admins only"),
        ({"questions": [{"id": "team", "kind": "text"}]},
         "(id 'team'): a question that is not a default one needs 'kind' and 'labels'"),
        ({"questions": [{"id": "team", "kind": "text", "labels": {"en": "x" * 46}}]},
         "(id 'team'): question 'team': labels.en must have 1 to 45 characters"),
        ({"questions": [{"id": "level", "kind": "choice", "labels": {"en": "Level"}}]},
         "(id 'level'): question 'level': choices must list 1 to 25 options"),
        ({"questions": [{"id": "Bad Id", "kind": "text", "labels": {"en": "X"}}]},
         "(id 'Bad Id'): question 'Bad Id': id must match"),
        ({"questions": [{"id": "country"}, {"id": "country"}]},
         "question ids must be distinct; repeated: country"),
        ({"synonyms": {"a": "b", "b": "a"}}, "profile.synonyms: synonyms form a cycle"),
        ({"notice_version": 0}, "key 'notice_version'"),
        ({"colour": "red"}, "profile: unknown key 'colour'"),
    ],
)  # fmt: skip
def test_a_wrong_questionnaire_is_refused_naming_the_question_and_key(
    raw: dict[str, object], expected: str
) -> None:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(raw)
    assert expected in str(caught.value)


# --- the catalogue -----------------------------------------------------------------------


def test_profile_texts_are_in_the_catalogue_in_english_and_french() -> None:
    english, french = bundled()["en"], bundled()["fr"]
    assert english and english.keys() == french.keys()
    for key, template in english.items():
        assert key.startswith("profile."), key
        assert placeholders(french[key]) == placeholders(template), key
        assert catalogue("en")[key] == template, key


def test_every_key_the_code_returns_has_a_text() -> None:
    english = bundled()["en"]
    used = [*keys.ERROR_KEYS, *NOTICE_KEYS, NOTICE_CHANGED, *MESSAGE_KEYS.values()]
    used += [visibility.label_key for visibility in Visibility]
    used += ["profile.form.title", "profile.form.step"]
    assert [key for key in used if key not in english] == []


def test_default_labels_and_hints_fit_discord_limits_in_both_languages() -> None:
    for question in default_questionnaire().questions:
        assert set(question.labels) == {"en", "fr"}
        assert all(len(label) <= MAX_LABEL for label in question.labels.values())
        assert all(len(hint) <= MAX_HINT for hint in question.hints.values())
    for locale in ("en", "fr"):
        assert len(bundled()[locale]["profile.form.step"].format(step=5, steps=5)) <= 45


# --- normalisers: examples ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Allemagne", "DE"), ("Germany", "DE"), ("DE", "DE"), ("de", "DE"), ("DEU", "DE"),
        ("l'Allemagne", "DE"), ("  germany. ", "DE"),
        ("Côte d'Ivoire", "CI"), ("Cote d'Ivoire", "CI"), ("cote d ivoire", "CI"),
        ("Côte-d’Ivoire", "CI"), ("Ivory Coast", "CI"), ("CIV", "CI"),
        ("USA", "US"), ("U.S.A.", "US"), ("United States of America", "US"),
        ("États-Unis", "US"), ("Etats Unis", "US"),
        ("Royaume-Uni", "GB"), ("United Kingdom", "GB"), ("UK", "GB"), ("Angleterre", "GB"),
        ("Russie", "RU"), ("South Korea", "KR"), ("Corée du Nord", "KP"), ("Viet Nam", "VN"),
        ("Vietnam", "VN"), ("Turkey", "TR"), ("Türkiye", "TR"), ("Pays-Bas", "NL"),
        ("Congo", "CG"), ("RDC", "CD"), ("St Lucia", "LC"), ("Trinidad & Tobago", "TT"),
        ("Iran", "IR"), ("Bolivie", "BO"), ("🇫🇷", "FR"), ("Kosovo", "XK"),
    ],
)  # fmt: skip
def test_countries_are_recognised_from_english_and_french_names_and_codes(
    text: str, code: str
) -> None:
    assert normalise_country(text, "en") == code
    assert normalise_country(text, "fr") == code


@pytest.mark.parametrize("text", ["Korea", "Narnia", "XX", "", "🏳️"])
def test_unknown_or_ambiguous_countries_are_errors_not_guesses(text: str) -> None:
    outcome = normalise_country(text, "en")
    assert isinstance(outcome, FieldError)
    assert outcome.key == keys.COUNTRY_UNKNOWN


def test_a_misspelt_country_gets_a_suggestion_in_the_readers_language() -> None:
    assert normalise_country("Germny", "en") == FieldError(
        keys.COUNTRY_SUGGEST, {"value": "Germny", "suggestion": "Germany"}
    )
    outcome = normalise_country("Allemagn", "fr")
    assert isinstance(outcome, FieldError) and outcome.params["suggestion"] == "Allemagne"


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("Île-de-France", "FR", "FR-IDF"), ("ile de france", "FR", "FR-IDF"),
        ("IDF", "FR", "FR-IDF"), ("fr-idf", None, "FR-IDF"), ("Bavière", "DE", "DE-BY"),
        ("Bayern", "DE", "DE-BY"), ("Québec", "CA", "CA-QC"), ("California", "US", "US-CA"),
        ("  EMEA  ", None, "EMEA"), ("Bavaria", "DE", "Bavaria"), ("FR-IDF", "DE", "FR-IDF"),
        ("North  of\u200b the  city", "FR", "North of the city"),
    ],
)  # fmt: skip
def test_regions_become_subdivision_codes_when_recognised_else_clean_text(
    text: str, country: str | None, expected: str
) -> None:
    assert normalise_region(text, country) == expected


def test_tags_are_split_lowercased_deduplicated_and_mapped_through_synonyms() -> None:
    text = "K8s, Python; python / ML\n- Rust\n#go, golang, C++, .NET, C#, Kubernetes."
    assert normalise_tags(text, default_synonyms()) == (
        "kubernetes", "python", "machine learning", "rust", "go", "c++", ".net", "c#",
    )  # fmt: skip
    assert normalise_tags(["k8s, Docker", "DOCKER"], {"K8S": "Kubernetes"}) == (
        "kubernetes",
        "docker",
    )
    assert normalise_tags("ＰＹＴＨＯＮ、データ", {}) == ("python", "データ")
    assert normalise_tags(" , ;; / ", {}) == ()
    assert normalise_tags("Cafe\u0301, café, CAFÉ, ﬁnance", {}) == ("café", "finance")


def test_tag_limits_are_errors_not_silent_cuts() -> None:
    many = ", ".join(f"tag{n}" for n in range(MAX_TAGS + 1))
    assert normalise_tags(many, {}) == FieldError(
        keys.TOO_MANY_TAGS, {"maximum": MAX_TAGS, "count": MAX_TAGS + 1}
    )
    outcome = normalise_tags("x" * (MAX_TAG_LENGTH + 1), {})
    assert isinstance(outcome, FieldError) and outcome.key == keys.TAG_TOO_LONG
    assert len(str(outcome.params["tag"])) <= 40


def test_synonym_chains_resolve_and_cycles_are_refused() -> None:
    synonyms = Synonyms({"a": "b", "b": "c"})
    assert normalise_tags("A, b, c", synonyms) == ("c",)
    with pytest.raises(ValueError, match="cycle"):
        Synonyms({"a": "b", "b": "a"})
    with pytest.raises(ValueError, match="exactly one tag"):
        Synonyms({"ci/cd": "devops"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Jane.Doe+pulse@Example.ORG ", "Jane.Doe+pulse@example.org"),
        ("mailto:<x@y.fr>", "x@y.fr"),
        ("josé@bücher.DE", "josé@bücher.de"),
        ("a\u200b@b.co", "a@b.co"),
    ],
)
def test_emails_are_checked_and_their_domain_lowercased(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text",
    ["a@b", "a b@c.de", "a..b@c.de", ".a@c.de", "a@-c.de", "a@c.123", "@c.de", "a@", "nope",
     "a@b@c.de", "a@c..de", "x" * 65 + "@c.de", "a@" + "b" * 64 + ".de", "\u202ea@b.co\u202c x"],
)  # fmt: skip
def test_malformed_emails_are_refused(text: str) -> None:
    assert normalise_email(text) == FieldError(keys.EMAIL_INVALID)


def test_text_is_cleaned_and_limits_are_errors() -> None:
    assert normalise_text("  Amina\u200b \u202eBen\u202c\n Ali\x00 ", max_length=80) == (
        "Amina Ben Ali"
    )
    assert normalise_text("محمد 👩🏽‍💻 שלום", max_length=80) == "محمد 👩🏽💻 שלום"
    assert normalise_text("x" * 10_000, max_length=80) == FieldError(
        keys.TOO_LONG, {"maximum": 80, "length": 10_000}
    )
    assert normalise_text(42, max_length=80) == FieldError(keys.NOT_TEXT)
    assert normalise_text("Rene\u0301e", max_length=80) == "Renée"  # composed (NFC)
    assert normalise_text("Ｒｅｎéｅ", max_length=80) == "Ｒｅｎéｅ"  # but not compatibility-folded


# --- normalisers: properties -------------------------------------------------------------

AWKWARD = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u200f", "\u00ad",
    "\u0301", "\u0345", "\u0308", "👩🏽‍💻", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "שלום", "مرحبا", "،", "؛", "、",
    "，", "\n", "\r\n", "\t", "\x00", "\x1b", "\u2028", "\u3000", "ﬁ", "℅", "ＰＹＴＨＯＮ",
    "İ", "ß", "ς", "Σ", "ǅ", "\ud800", "k8s", ",", ";", "/", "#", "- ", "•", ".", "@", "'",
    "’", " ", "Côte d'Ivoire", "Allemagne", "DE", "FR-IDF", "a@b.co", "mailto:", "<", ">",
]  # fmt: skip
any_char = st.characters(exclude_categories=())  # every code point, surrogates included
texts = st.one_of(
    st.text(any_char, max_size=60),
    st.lists(st.sampled_from(AWKWARD) | st.text(any_char, max_size=4), max_size=20).map(
        "".join
    ),
    st.tuples(st.sampled_from(AWKWARD) | st.text(any_char, min_size=1, max_size=3),
              st.integers(1, 10_000)).map(lambda pair: (pair[0] * pair[1])[:10_000]),
)  # fmt: skip
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTRIES = st.sampled_from([None, "FR", "DE", "US", "CA", "GB", "XK"])


@PROPERTY
@given(texts)
def test_text_cleaning_never_crashes_and_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in cleaned)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    outcome = normalise_text(text, max_length=100)
    if isinstance(outcome, str):
        assert len(outcome) <= 100 and normalise_text(outcome, max_length=100) == outcome
    else:
        assert outcome.key == keys.TOO_LONG


@PROPERTY
@given(texts)
def test_email_normaliser_never_crashes_and_is_idempotent(text: str) -> None:
    outcome = normalise_email(text)
    if isinstance(outcome, str):
        assert normalise_email(outcome) == outcome
        assert outcome.count("@") == 1 and " " not in outcome


@PROPERTY
@given(texts, st.sampled_from(["en", "fr", "xx"]))
def test_country_normaliser_never_crashes_and_is_idempotent(text: str, locale: str) -> None:
    outcome = normalise_country(text, locale)
    if isinstance(outcome, str):
        assert outcome in known_country_codes()
        assert normalise_country(outcome, locale) == outcome


def test_every_country_code_normalises_to_itself_in_both_languages() -> None:
    for code in known_country_codes():
        assert normalise_country(code, "en") == code
        assert normalise_country(code.lower(), "fr") == code


@PROPERTY
@given(texts, COUNTRIES)
def test_region_normaliser_never_crashes_and_is_idempotent(text: str, country: str | None) -> None:
    outcome = normalise_region(text, country)
    if isinstance(outcome, str):
        assert normalise_region(outcome, country) == outcome


@PROPERTY
@given(st.one_of(texts, st.lists(texts, max_size=5)))
def test_tag_normaliser_never_crashes_and_is_idempotent(text: str | list[str]) -> None:
    outcome = normalise_tags(text, default_synonyms())
    if isinstance(outcome, tuple):
        assert normalise_tags(outcome, default_synonyms()) == outcome
        assert normalise_tags(", ".join(outcome), default_synonyms()) == outcome  # re-shown form
        assert len(outcome) <= MAX_TAGS and len(set(outcome)) == len(outcome)
        for tag in outcome:
            assert tag and len(tag) <= MAX_TAG_LENGTH and caseless(tag) == tag
            assert not {",", ";", "/", "\n"} & set(tag)


answers = st.one_of(st.none(), texts, st.lists(texts, max_size=3), st.integers(), st.just({}))


@PROPERTY
@given(st.fixed_dictionaries({qid: answers for qid in DEFAULT_QUESTION_IDS}))
def test_validation_never_crashes_never_half_applies_and_is_idempotent(
    raw: dict[str, object],
) -> None:
    questionnaire = default_questionnaire()
    result = validate(questionnaire, raw, "fr")
    assert bool(result.values) is False or result.ok
    assert set(result.raw) <= set(raw)
    if result.ok:
        again = validate(questionnaire, dict(result.values), "fr")
        assert again.ok and again.values == result.values
    else:
        assert set(result.errors) <= set(raw) | {"display_name"}
        assert not result.values


# --- validation --------------------------------------------------------------------------


def test_invalid_answers_come_back_per_field_with_what_was_typed() -> None:
    raw = {
        "display_name": "\u200b \u200d",
        "email": "amina(at)example.org",
        "job_function": "x" * 10_000,
        "country": "Narnia",
        "region": "Île-de-France",
        "expertise": "python, k8s",
    }
    result = validate(default_questionnaire(), raw, "en")
    assert not result.ok and result.values == {}
    assert result.errors == {
        "display_name": FieldError(keys.REQUIRED),
        "email": FieldError(keys.EMAIL_INVALID),
        "job_function": FieldError(keys.TOO_LONG, {"maximum": 100, "length": 10_000}),
        "country": FieldError(keys.COUNTRY_UNKNOWN, {"value": "Narnia"}),
    }
    assert result.raw == raw
    assert result.prefill("job_function") == "x" * 4000


def test_valid_answers_are_all_normalised_together() -> None:
    raw = {
        "display_name": "  Amina ",
        "email": "Amina@Example.org",
        "job_function": "Data engineer",
        "company": "",
        "country": "France",
        "region": "ile-de-france",
        "expertise": ["Python", "K8s"],
        "not_a_question": "ignored",
    }
    result = validate(default_questionnaire(), raw, "fr")
    assert result.ok
    assert result.values == {
        "display_name": "Amina",
        "email": "Amina@example.org",
        "job_function": "Data engineer",
        "country": "FR",
        "region": "FR-IDF",
        "expertise": ("python", "kubernetes"),
    }
    assert "not_a_question" not in result.raw


def test_a_page_is_validated_alone_using_the_country_given_on_another_page() -> None:
    questionnaire = default_questionnaire()
    raw = {"country": "Allemagne", "region": "Bavière", "expertise": "k8s"}
    result = validate(questionnaire, raw, "fr", question_ids={"region", "expertise"})
    assert result.ok and result.values == {"region": "DE-BY", "expertise": ("kubernetes",)}


# --- visibility --------------------------------------------------------------------------

PUBLIC = ["display_name", "job_function", "country", "expertise"]
STAFF = ["display_name", "job_function", "company", "country", "region", "expertise"]
EVERYTHING = list(DEFAULT_QUESTION_IDS)


@pytest.mark.parametrize(
    ("role", "own", "public_place", "expected"),
    [
        (Role.MEMBER, True, False, EVERYTHING),
        (Role.MEMBER, False, False, PUBLIC),
        (Role.MEMBER, True, True, PUBLIC),
        (Role.MEMBER, False, True, PUBLIC),
        (Role.MODERATOR, True, False, EVERYTHING),
        (Role.MODERATOR, False, False, STAFF),
        (Role.MODERATOR, True, True, PUBLIC),
        (Role.MODERATOR, False, True, PUBLIC),
        (Role.ADMIN, True, False, EVERYTHING),
        (Role.ADMIN, False, False, EVERYTHING),
        (Role.ADMIN, True, True, PUBLIC),
        (Role.ADMIN, False, True, PUBLIC),
    ],
)
def test_visibility_matrix(role: Role, own: bool, public_place: bool, expected: list[str]) -> None:
    shown = visible_fields(
        FULL_PROFILE,
        default_questionnaire(),
        role,
        viewer_is_subject=own,
        public_place=public_place,
    )
    assert [field.question.id for field in shown] == expected
    assert ("email" in [f.question.id for f in shown]) == (
        not public_place and (own or role is Role.ADMIN)
    )


def test_email_stays_for_admins_and_unknown_answers_stay_hidden() -> None:
    questionnaire = Questionnaire(
        (
            Question("name", Kind.TEXT, labels={"en": "Name"}),
            Question("mail", Kind.EMAIL, visibility=Visibility.ADMINS, labels={"en": "Mail"}),
        )
    )
    with pytest.raises(ValueError, match="admins only"):
        Question("mail", Kind.EMAIL, visibility=Visibility.EVERYONE, labels={"en": "Mail"})
    values = {"name": "Ana", "mail": "ana@example.org", "removed_question": "secret", "gone": ""}
    for role in Role:
        shown = visible_fields(
            values, questionnaire, role, viewer_is_subject=False, public_place=False
        )
        ids = [field.question.id for field in shown]
        assert ids == (["name", "mail"] if role is Role.ADMIN else ["name"])


def test_visible_fields_render_in_the_readers_language() -> None:
    shown = visible_fields(
        FULL_PROFILE, default_questionnaire(), Role.MEMBER, viewer_is_subject=False,
        public_place=False,
    )  # fmt: skip
    assert as_fields(shown, "fr") == (
        ("Nom affiché", "Amina"),
        ("Fonction", "Data engineer"),
        ("Pays", "France"),
        ("Domaines d'expertise", "python, kubernetes"),
    )
    mine = visible_fields(
        FULL_PROFILE, default_questionnaire(), Role.MEMBER, viewer_is_subject=True,
        public_place=False,
    )  # fmt: skip
    assert ("Region", "Île-de-France") in as_fields(mine, "en")


# --- consent and submission --------------------------------------------------------------


def test_consent_covers_only_the_notice_version_agreed_to() -> None:
    consent = give_consent(2, NOW)
    assert consent_covers(consent, 2)
    assert not consent_covers(consent, 3) and not consent_covers(consent, 1)
    assert not consent_covers(None, 1)
    assert notice_keys(consent, 2) == ()
    assert notice_keys(None, 2) == NOTICE_KEYS
    assert notice_keys(consent, 3) == (NOTICE_CHANGED, *NOTICE_KEYS)
    paris = timezone(timedelta(hours=1))
    assert Consent(1, datetime(2026, 1, 1, 13, tzinfo=paris)).given_at.hour == 12
    with pytest.raises(ValueError):
        Consent(1, datetime(2026, 1, 1))


def test_nothing_is_saved_before_consent_and_the_form_comes_back_intact() -> None:
    raw = {"display_name": "Amina", "country": "France"}
    decision = decide(default_questionnaire(), raw, "en", now=NOW, agreed=False)
    assert decision.outcome is Outcome.NEEDS_CONSENT
    assert decision.values == {} and decision.consent is None and decision.raw == raw


def test_a_valid_form_with_consent_is_saved_with_its_consent_and_twice_is_a_no_op() -> None:
    questionnaire = default_questionnaire()
    raw = {"display_name": "Amina", "country": "France", "expertise": "k8s"}
    first = decide(questionnaire, raw, "en", now=NOW, agreed=True)
    assert first.outcome is Outcome.SAVE and first.message_key == "profile.saved"
    assert first.consent == Consent(questionnaire.notice_version, NOW)
    stored = {key: list(value) if isinstance(value, tuple) else value
              for key, value in first.values.items()}  # fmt: skip
    later = NOW + timedelta(seconds=1)
    second = decide(questionnaire, raw, "en", now=later, agreed=True,
                    stored_consent=first.consent, stored_values=stored)  # fmt: skip
    assert second.outcome is Outcome.UNCHANGED and second.consent == first.consent


def test_invalid_forms_save_nothing_and_a_new_notice_asks_again() -> None:
    questionnaire = default_questionnaire()
    bad = decide(questionnaire, {"display_name": ""}, "en", now=NOW, agreed=True)
    assert bad.outcome is Outcome.INVALID and bad.values == {} and bad.consent is None
    assert bad.errors == {"display_name": FieldError(keys.REQUIRED)}
    old = give_consent(1, NOW)
    newer = Questionnaire(questionnaire.questions, notice_version=2)
    raw = {"display_name": "Amina"}
    asked = decide(newer, raw, "en", now=NOW, agreed=False, stored_consent=old,
                   stored_values={"display_name": "Amina"})  # fmt: skip
    assert asked.outcome is Outcome.NEEDS_CONSENT
    agreed = decide(newer, raw, "en", now=NOW, agreed=True, stored_consent=old,
                    stored_values={"display_name": "Amina"})  # fmt: skip
    assert agreed.outcome is Outcome.SAVE and agreed.consent == Consent(2, NOW)
