"""Question detection: does a message ask for help, in English or French?

A message is a question when its prose carries a question mark, when one of its sentences
opens the way questions open ("how do I", "does anyone", "comment faire", "est-ce que",
"peut-on"), when it contains a request for help phrase anywhere ("any idea", "quelqu'un
sait"), or when it is a new post in a help channel or forum. Question marks inside code,
links and mentions do not count, and exclamations such as "what a day" are not questions.
"""

from __future__ import annotations

import re

from bot.expertise.text import fold, strip_markup


def _words(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string (compact word lists)."""
    return frozenset(text.split())


_SENTENCE_SPLIT = re.compile(r"[.!;:\n]+|,\s+(?=\w)")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

_WH_WORDS = _words(
    "what why how when where who whom whose which pourquoi comment quand ou combien quel "
    "quelle quels quelles lequel laquelle lesquels lesquelles quoi"
)
_AUXILIARIES = _words(
    "is are am was were do does did can could would should will shall may might must has "
    "have had isn't aren't wasn't weren't don't doesn't didn't can't couldn't wouldn't "
    "shouldn't won't hasn't haven't"
)
_PERSONS = _words(
    "i you we they he she anyone anybody someone somebody everyone people folks y'all u ya ppl"
)
_SUBJECTS = _PERSONS | _words(
    "it this that there these those my your our their his her its any some a an"
)
_IMPERATIVE_CAPABLE = frozenset({"do", "have"})
_ENGLISH_AFTER_ON = _words("the this that it my your our their his her a an line pr")
_FRENCH_SUBJECTS = _words("je j tu il elle on nous vous ils elles ca cela faire")
_EXCLAMATION_STARTS = (
    "what a ",
    "what an ",
    "how nice",
    "how cool",
    "how sweet",
    "how great",
    "how awesome",
    "how fun",
    "quel bonheur",
    "quelle joie",
    "quelle chance",
    "comment allez",
    "comment vas",
    "comment ca va",
)
_ANYWHERE = (
    "does anyone know",
    "does anybody know",
    "anyone know",
    "anybody know",
    "anyone knows",
    "anyone have",
    "anyone got",
    "can anyone",
    "can someone",
    "can somebody",
    "could anyone",
    "could someone",
    "could somebody",
    "is there a way",
    "is there any way",
    "any idea",
    "any ideas",
    "any suggestion",
    "any recommendation",
    "any advice",
    "any tips",
    "any pointers",
    "i wonder",
    "i'm wondering",
    "i am wondering",
    "i was wondering",
    "need help",
    "need some help",
    "how do i",
    "how can i",
    "how do you",
    "what is the best way",
    "what's the best way",
    "est-ce que",
    "est ce que",
    "qu'est-ce",
    "quelqu'un sait",
    "quelqu'un a une idee",
    "quelqu'un a deja",
    "quelqu'un aurait une",
    "quelqu'un aurait",
    "quelqu'un connait",
    "quelqu'un peut",
    "quelqu'un pourrait",
    "qqn sait",
    "comment faire",
    "comment on fait",
    "comment fait-on",
    "vous avez une idee",
    "tu as une idee",
    "vous auriez une idee",
    "avez-vous une idee",
    "vous avez des conseils",
    "vous auriez des conseils",
    "je me demande",
    "besoin d'aide",
    "besoin d'un coup de main",
    "y a-t-il",
    "y-a-t-il",
    "y a t il",
    "savez-vous",
    "sais-tu",
    "vous savez si",
    "tu sais si",
)
_FRENCH_INVERSION = re.compile(
    r"^(?!rendez-vous)\w+-(?:t-)?(?:il|elle|on|ils|elles|vous|tu|je|nous)\b"
)
_ACKNOWLEDGEMENTS = _words(
    "thanks thank thx ty ok okay k cool nice great yes no yep nope lol hi hello hey merci "
    "ok oui non super genial top bonjour salut coucou cimer parfait d'accord bravo "
    "welcome bienvenue done fixed solved resolu all everyone guys folks you so much very "
    "a lot tous tout le monde beaucoup de rien bien"
)


def is_question(
    text: str, *, in_help_channel: bool = False, is_thread_starter: bool = False
) -> bool:
    """True when the message asks something, or opens a post in a help channel or forum.

    ``in_help_channel``: a top-level post in a configured help channel.
    ``is_thread_starter``: the message opens a Discord forum post or a help thread.
    A new post there counts unless it is a bare acknowledgement ("thanks", an emoji).
    """
    prose = fold(strip_markup(text)).replace("’", "'")
    words = _WORD.findall(prose)
    if in_help_channel or is_thread_starter:
        return not words or not set(words) <= _ACKNOWLEDGEMENTS
    if not words:
        return False
    if "?" in prose:
        return True
    padded = " " + " ".join(words) + " "
    if any(f" {phrase}" in padded for phrase in _ANYWHERE):
        return True
    return any(_opens_question(s) for s in _SENTENCE_SPLIT.split(prose))


def _opens_question(sentence: str) -> bool:
    """True when a sentence opens the way a direct question does, in English or French."""
    sentence = sentence.strip().lstrip("-*>•([ ")
    if not sentence or sentence.startswith(_EXCLAMATION_STARTS):
        return False
    words = _WORD.findall(sentence)
    if len(words) < 2:
        return False
    first, second = words[0], words[1]
    if first == "comment":
        if second == "on" and len(words) > 2:
            return words[2] not in _ENGLISH_AFTER_ON
        return second in _FRENCH_SUBJECTS or _looks_infinitive(second)
    if first == "ou":
        return second in {"est", "sont", "trouver", "puis", "peut", "se", "on"}
    if first in _WH_WORDS:
        return True
    if first in _AUXILIARIES:
        return second in (_PERSONS if first in _IMPERATIVE_CAPABLE else _SUBJECTS)
    if first in {"anyone", "anybody"}:
        return True
    return bool(_FRENCH_INVERSION.match(sentence))


def _looks_infinitive(word: str) -> bool:
    """French infinitives ("installer", "choisir"), to tell "comment faire" from "comment on"."""
    return len(word) >= 5 and word.endswith(("er", "ir", "re"))
