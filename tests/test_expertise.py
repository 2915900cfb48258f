"""Expert routing: question detection, topic terms, the expertise index and its policy."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.expertise import (
    ExpertiseIndex,
    RoutingPolicy,
    ScoringParams,
    TopicEvidence,
    is_accept_reaction,
    is_question,
    is_thanks,
    is_thanks_reaction,
    term_labels,
    topic_terms,
)
from bot.expertise.fit import TopicFit
from bot.expertise.terms import MAX_TERMS, stem

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
FIXED = ScoringParams(smoothing=8.0, topic_weight=1.0)
OPEN = RoutingPolicy(threshold=0.0)
DOCKER = topic_terms("How do I mount a volume with docker compose?", tags=["docker"])


def ago(**delta: float) -> datetime:
    """A moment before NOW."""
    return NOW - timedelta(**delta)


def answers(
    index: ExpertiseIndex, member: str, text: str, count: int, *, days_ago: float = 2.0
) -> None:
    """``count`` answers by ``member`` to questions like ``text``, ending ``days_ago``."""
    terms = topic_terms(text)
    for i in range(count):
        index.record_answer(member, terms, ago(days=days_ago + i * 0.1))


def active(index: ExpertiseIndex, *members: str, hours_ago: float = 20.0) -> None:
    """Make members recently active, equally."""
    for member in members:
        index.record_activity(member, ago(hours=hours_ago))


def ids(candidates: list) -> list[str]:
    """Member ids of a ranking."""
    return [c.member_id for c in candidates]


# -- question detection ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "How do I install docker?",
        "how do I install docker",
        "Does anyone know a good IPA around here",
        "Is it possible to run this on Windows",
        "Any idea why my build fails",
        "Hi all, can someone help me with pandas",
        "I was wondering whether the meetup is on Friday",
        "Anyone else seeing timeouts on the API",
        "Ça marche ?",
        "Comment faire pour installer Docker",
        "Est-ce que quelqu'un connaît un bon brasseur",
        "Quelqu'un sait pourquoi ça plante",
        "Pourquoi ma bière est trouble",
        "Peut-on brasser en hiver",
        "Y a-t-il une doc pour l'API",
        "Vous avez une idée pour ce bug",
        "Où est le fichier de config",
        "J'ai un souci. Comment on fait pour relancer le service",
    ],
)
def test_questions_are_detected(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Thanks, that worked!",
        "What a great meetup!",
        "Have a nice weekend",
        "Do it now please",
        "I know how to do it.",
        "Check https://example.com/search?page=2",
        "```x = a ? b : c```",
        "Merci beaucoup !",
        "Rendez-vous demain à 18h",
        "Comment on line 5 is wrong",
        "🍺🍺",
        "<@U123ABC>",
        ":tada: :tada:",
        "Super, j'ai une idée pour la prochaine fois",
        "The release is out.",
    ],
)
def test_statements_are_not_questions(text: str) -> None:
    assert not is_question(text)


def test_new_post_in_help_channel_or_forum_is_a_question() -> None:
    assert is_question("My build fails with error 137", in_help_channel=True)
    assert is_question("Docker compose networking", is_thread_starter=True)
    assert is_question("", is_thread_starter=True)  # a screenshot-only forum post
    assert not is_question("thanks all!", in_help_channel=True)
    assert not is_question("My build fails with error 137")


# -- topic terms ----------------------------------------------------------------------


def test_topic_terms_strip_markup_and_stopwords() -> None:
    text = (
        "Hey <@U12345>, how do I configure Docker containers? ```docker run -it ubuntu``` "
        "see https://docs.docker.com/x?y=1 :smile: 🐳 @someone"
    )
    terms = topic_terms(text)
    assert set(terms) == {"configur", "docker", "container", "configur docker", "docker container"}
    assert terms["docker"] == 1.0
    assert terms["configur docker"] == 0.5


def test_topic_terms_french_elision_accents_and_plurals() -> None:
    terms = topic_terms("Comment faire pour filtrer les bières de l'Abbaye ?")
    assert {"filtrer", "bier", "abbay"} <= set(terms)
    assert "de" not in terms
    assert "les" not in terms
    assert topic_terms("Réseau")["reseau"] == topic_terms("reseaux")["reseau"]


def test_topic_terms_tags_channel_and_repetition() -> None:
    terms = topic_terms("docker docker docker", tags=["home-brewing"], channel="#help-ops")
    assert terms["docker"] == pytest.approx(1 + math.log(3))
    assert terms["home"] == terms["brew"] == terms["home brew"] == 2.0
    assert terms["#help-ops"] == 1.0


def test_topic_terms_are_capped_and_deterministic() -> None:
    words = " ".join(f"word{i}x" for i in range(600))
    long_text = (words + " ") * 2
    assert len(long_text) > 4000
    first = topic_terms(long_text)
    assert len(first) == MAX_TERMS
    assert first == topic_terms(long_text)


def test_stem_is_light_and_shared() -> None:
    assert stem("brewing") == stem("brewed") == stem("brews") == "brew"
    assert stem("queries") == "query"
    assert stem("string") == "string"
    assert stem("class") == "class"


def test_term_labels_give_readable_words() -> None:
    labels = term_labels("Configuring Docker networks", tags=["home-brewing"])
    assert labels["configur"] == "configuring"
    assert labels["docker network"] == "docker networks"
    assert labels["home brew"] == "home-brewing"


def test_thanks_and_reactions() -> None:
    assert is_thanks("Thanks a lot, that fixed it")
    assert is_thanks("merci beaucoup !")
    assert not is_thanks("no thanks")
    assert not is_thanks("the task is thankless")
    assert is_thanks_reaction(":pray::skin-tone-3:")
    assert is_thanks_reaction("🙏")
    assert is_accept_reaction("white_check_mark")
    assert not is_accept_reaction("eyes")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=5000))
def test_detection_and_terms_never_crash(text: str) -> None:
    assert isinstance(is_question(text), bool)
    assert isinstance(is_question(text, in_help_channel=True), bool)
    terms = topic_terms(text, tags=[text[:20]], channel=text[:10])
    assert len(terms) <= MAX_TERMS
    assert all(weight > 0 and math.isfinite(weight) for weight in terms.values())


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.floats(allow_nan=True), max_size=12))
def test_index_accepts_any_term_weights(terms: dict[str, float]) -> None:
    index = ExpertiseIndex()
    index.record_answer("a", terms, ago(days=1))
    index.record_activity("b", ago(days=1))
    ranked = index.rank(terms, NOW, policy=OPEN, limit=None)
    assert {c.member_id for c in ranked} <= {"a", "b"}
    assert all(math.isfinite(c.score) for c in ranked)


# -- ranking --------------------------------------------------------------------------


def test_recent_evidence_beats_old() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "old", "docker compose volume mount", 5, days_ago=300)
    answers(index, "new", "docker compose volume mount", 5, days_ago=3)
    active(index, "old", "new")
    assert ids(index.rank(DOCKER, NOW, limit=2))[0] == "new"


def busy_and_expert(index: ExpertiseIndex) -> None:
    """A busy pandas answerer, present every day, and a quieter docker expert."""
    pandas = topic_terms("pandas dataframe groupby python")
    for i in range(20):
        index.record_answer("busy", pandas, ago(days=1 + i * 0.5))
    answers(index, "expert", "docker compose volume mount", 3, days_ago=5)
    active(index, "busy", "expert")


def test_topic_match_beats_pure_activity() -> None:
    index = ExpertiseIndex(ScoringParams(smoothing=1.0, topic_weight=1.0))
    busy_and_expert(index)
    assert ids(index.rank(DOCKER, NOW, limit=2, policy=OPEN)) == ["expert", "busy"]
    pandas = topic_terms("groupby on a pandas dataframe?")
    assert ids(index.rank(pandas, NOW, limit=2, policy=OPEN)) == ["busy", "expert"]


def test_learnt_smoothing_lets_topic_beat_activity() -> None:
    index = ExpertiseIndex()
    topics = [f"topic{t} subject{t} area{t}" for t in range(8)]
    for n in range(160):
        index.record_answer(f"m{n % 8}", topic_terms(topics[n % 8]), ago(days=200 - n))
    busy_and_expert(index)
    smoothing, weight = index.topic_model
    assert smoothing <= 8.0
    assert weight >= 1.0
    assert ids(index.rank(DOCKER, NOW, limit=2, policy=OPEN)) == ["expert", "busy"]


def test_ignoring_topics_leaves_activity_in_charge() -> None:
    index = ExpertiseIndex(ScoringParams(topic_weight=0.0))
    busy_and_expert(index)
    assert ids(index.rank(DOCKER, NOW, limit=2, policy=OPEN)) == ["busy", "expert"]


def test_asker_bots_and_opted_out_are_excluded() -> None:
    index = ExpertiseIndex(FIXED)
    for member in ("asker", "bot", "shy", "ok"):
        answers(index, member, "docker compose volume", 3)
    active(index, "asker", "bot", "shy", "ok")
    index.mark_bot("bot")
    index.set_opted_out("shy")
    assert ids(index.rank(DOCKER, NOW, exclude={"asker"}, limit=None)) == ["ok"]
    index.set_opted_out("shy", opted_out=False)
    assert "shy" in ids(index.rank(DOCKER, NOW, exclude={"asker"}, limit=None))


def test_inactive_members_are_not_suggested() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "gone", "docker compose volume", 10, days_ago=45)
    answers(index, "here", "docker compose volume", 1, days_ago=10)
    assert ids(index.rank(DOCKER, NOW, limit=None)) == ["here"]
    longer = RoutingPolicy(active_within=timedelta(days=90))
    assert set(ids(index.rank(DOCKER, NOW, limit=None, policy=longer))) == {"gone", "here"}


def test_cooldown_excludes_a_recently_mentioned_expert() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "a", "docker compose volume", 5)
    answers(index, "b", "docker compose volume", 2)
    active(index, "a", "b")
    assert ids(index.rank(DOCKER, NOW, limit=1)) == ["a"]
    index.record_mention("a", ago(hours=1))
    assert ids(index.rank(DOCKER, NOW, limit=1)) == ["b"]
    assert ids(index.rank(DOCKER, NOW + timedelta(hours=12), limit=1)) == ["a"]


def test_daily_cap_limits_mentions_per_day() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "a", "docker compose volume", 5)
    active(index, "a")
    policy = RoutingPolicy(cooldown=timedelta(0), daily_cap=2)
    index.record_mention("a", ago(hours=5))
    assert ids(index.rank(DOCKER, NOW, policy=policy)) == ["a"]
    index.record_mention("a", ago(hours=3))
    assert index.rank(DOCKER, NOW, policy=policy) == []
    assert ids(index.rank(DOCKER, NOW + timedelta(hours=20), policy=policy)) == ["a"]


def test_rotation_among_near_equal_candidates() -> None:
    index = ExpertiseIndex(FIXED)
    for member in ("p", "q"):
        answers(index, member, "docker compose volume", 3)
    active(index, "p", "q")
    firsts = {ids(index.rank(DOCKER, NOW, policy=RoutingPolicy(seed=s)))[0] for s in range(12)}
    assert firsts == {"p", "q"}
    same = RoutingPolicy(seed=3)
    assert ids(index.rank(DOCKER, NOW, policy=same)) == ids(index.rank(DOCKER, NOW, policy=same))
    index.record_mention("p", ago(days=2))
    for seed in range(6):
        assert ids(index.rank(DOCKER, NOW, policy=RoutingPolicy(seed=seed)))[0] == "q"


def test_rotation_does_not_reorder_clear_leaders() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "strong", "docker compose volume", 8)
    answers(index, "weak", "docker compose volume", 1)
    active(index, "strong", "weak")
    for seed in range(8):
        assert ids(index.rank(DOCKER, NOW, policy=RoutingPolicy(seed=seed)))[0] == "strong"


def test_threshold_says_no_one_when_the_match_is_poor() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "a", "pandas dataframe groupby", 5)
    active(index, "a")
    rust = topic_terms("How do I borrow a mutable reference in Rust?")
    assert index.rank(rust, NOW) == []
    assert ids(index.rank(rust, NOW, policy=OPEN)) == ["a"]
    assert index.rank(rust, NOW, policy=OPEN)[0].match == 0.0


def test_match_grows_with_evidence_and_gates_mentions() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "once", "docker compose volume mount", 1)
    answers(index, "often", "docker compose volume mount", 3)
    active(index, "once", "often")
    strict = RoutingPolicy(threshold=0.6)
    assert ids(index.rank(DOCKER, NOW, policy=strict, limit=None)) == ["often"]
    [once] = [c for c in index.rank(DOCKER, NOW, limit=None) if c.member_id == "once"]
    assert once.match == pytest.approx(0.5)


def test_empty_index_and_empty_question() -> None:
    index = ExpertiseIndex()
    assert index.rank(DOCKER, NOW) == []
    active(index, "a")
    assert index.rank(topic_terms("🍺🍺 ?"), NOW) == []
    assert ids(index.rank(topic_terms("🍺🍺 ?"), NOW, policy=OPEN)) == ["a"]


def test_declared_skills_route_without_any_answers() -> None:
    index = ExpertiseIndex()
    index.declare("kube", ["kubernetes", "helm"])
    index.declare("web", ["react"])
    active(index, "kube", "web")
    question = topic_terms("Why does kubernetes restart my pod?")
    ranked = index.rank(question, NOW)
    assert ids(ranked) == ["kube"]
    assert ranked[0].reasons.declared == ("kubernetes",)
    index.declare("kube", ["react"])
    assert index.rank(question, NOW) == []


def test_evidence_explains_the_suggestion() -> None:
    index = ExpertiseIndex(FIXED)
    terms = topic_terms("docker compose volume")
    index.record_answer("a", terms, ago(days=3), thanked=True)
    index.record_answer("a", terms, ago(days=2), accepted=True, reactions=3)
    index.record_answer("a", terms, ago(days=1))
    index.record_feedback("a", terms, ago(hours=20), thanked=True)
    index.declare("a", ["kubernetes"])
    question = topic_terms("docker volume on kubernetes?")
    [candidate] = index.rank(question, NOW)
    reasons = candidate.reasons
    assert TopicEvidence("docker", 3, 2, 1, False) in reasons.topics
    assert TopicEvidence("kubernet", 0, 0, 0, True) in reasons.topics
    assert reasons.declared == ("kubernetes",)
    assert (reasons.answers, reasons.thanked, reasons.accepted, reasons.reactions) == (3, 2, 1, 3)
    assert reasons.last_active == ago(days=1)
    assert 2.5 < reasons.recent_answers < 3.0
    assert 0.25 <= candidate.match < 1.0


def test_explain_without_question_gives_strongest_topics() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "a", "docker compose", 4)
    answers(index, "a", "pandas", 1)
    evidence = index.explain("a", NOW)
    assert evidence is not None
    assert evidence.topics[0].term in {"docker", "compos", "docker compos"}
    assert evidence.topics[0].answers == 4
    assert index.explain("nobody", NOW) is None


def test_forget_removes_a_member_everywhere() -> None:
    index = ExpertiseIndex(FIXED)
    answers(index, "a", "docker compose volume", 3)
    answers(index, "b", "docker compose volume", 1)
    index.declare("a", ["docker"])
    active(index, "a", "b")
    index.forget("a")
    assert "a" not in index
    assert ids(index.rank(DOCKER, NOW, limit=None)) == ["b"]


def test_decay_survives_centuries_of_half_lives() -> None:
    params = ScoringParams(expertise_half_life=timedelta(hours=1), smoothing=8.0)
    index = ExpertiseIndex(params)
    start = NOW - timedelta(days=60)
    answers_terms = topic_terms("docker compose volume")
    for day in range(60):
        index.record_answer("steady", answers_terms, start + timedelta(days=day))
    index.record_answer("late", answers_terms, ago(hours=1))
    active(index, "steady", "late")
    ranked = index.rank(DOCKER, NOW, limit=None)
    assert all(math.isfinite(c.score) for c in ranked)
    assert {c.member_id for c in ranked} == {"steady", "late"}


def test_topic_model_is_learnt_from_history() -> None:
    rng = random.Random(5)
    topical, mixed = ExpertiseIndex(), ExpertiseIndex()
    topics = [f"topic{t} subject{t} area{t}" for t in range(10)]
    for n in range(600):
        member = f"m{rng.randrange(40)}"
        at = ago(days=60) + timedelta(hours=n)
        own_topic = int(member[1:]) % 10
        topical.record_answer(member, topic_terms(topics[own_topic]), at)
        mixed.record_answer(member, topic_terms(rng.choice(topics)), at)
    smoothing, weight = topical.topic_model
    assert weight >= 1.0
    assert math.isfinite(smoothing)
    assert mixed.topic_model == (math.inf, 0.0)


def test_topic_fit_starts_from_the_initial_values_and_can_drop_topics() -> None:
    fit = TopicFit(initial=(8.0, 1.0))
    assert fit.best == (8.0, 1.0)
    for _ in range(40):
        fit.observe(10.0, (0.1, 0.1), [(0.1, 0.1), (2.0, 0.1)])
    assert fit.best == (math.inf, 0.0)


def test_topic_fit_trusts_profiles_that_pick_the_question() -> None:
    fit = TopicFit(initial=(8.0, 1.0))
    for _ in range(40):
        fit.observe(10.0, (5.0, 0.1), [(0.0, 0.1), (0.1, 0.2), (0.0, 0.05)])
    smoothing, weight = fit.best
    assert weight >= 2.0
    assert smoothing <= 8.0


def test_ranking_is_fast_enough_for_a_large_community() -> None:
    rng = random.Random(1)
    index = ExpertiseIndex()
    vocabulary = [f"w{i}" for i in range(3000)]
    for i in range(20_000):
        member = f"m{i}"
        terms = dict.fromkeys(rng.sample(vocabulary, 12), 1.0)
        index.record_answer(member, terms, ago(days=rng.uniform(1, 300)))
        index.record_activity(member, ago(days=rng.uniform(0, 20)))
    question = dict.fromkeys(rng.sample(vocabulary, 20), 1.0)
    best = math.inf
    for _ in range(5):
        started = time.thread_time()
        index.rank(question, NOW)
        best = min(best, time.thread_time() - started)
    assert best < 0.05


@pytest.mark.parametrize("seed", range(5))
def test_pruned_routing_equals_filtered_full_ranking(seed: int) -> None:
    rng = random.Random(seed)
    index = ExpertiseIndex(FIXED)
    vocabulary = [f"w{i}" for i in range(40)]
    for _ in range(300):
        member = f"m{rng.randrange(60)}"
        terms = dict.fromkeys(rng.sample(vocabulary, rng.randint(2, 8)), 1.0)
        index.record_answer(member, terms, ago(days=rng.uniform(0, 25)))
    index.declare("m1", ["w1", "w2"])
    question = dict.fromkeys(rng.sample(vocabulary, 10), rng.choice([1.0, 0.5]))
    for threshold in (0.1, 0.3, 0.5):
        strict = RoutingPolicy(threshold=threshold, rotation_margin=0.0)
        everyone = RoutingPolicy(threshold=0.0, rotation_margin=0.0)
        full = index.rank(question, NOW, limit=None, policy=everyone)
        passing = [c for c in full if c.match >= threshold][:3]
        routed = index.rank(question, NOW, limit=3, policy=strict)
        assert ids(routed) == ids(passing)
        assert [c.score for c in routed] == pytest.approx([c.score for c in passing])
        assert [c.reasons for c in routed] == [c.reasons for c in passing]
