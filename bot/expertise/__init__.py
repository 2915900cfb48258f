"""Expert routing: question detection, topic terms and a ranked, explainable expertise index.

Pure and platform-free: plain values in, plain values out, time passed explicitly.
"""

from bot.expertise.feedback import is_accept_reaction, is_thanks, is_thanks_reaction
from bot.expertise.index import ExpertiseIndex
from bot.expertise.model import Candidate, Evidence, RoutingPolicy, ScoringParams, TopicEvidence
from bot.expertise.questions import is_question
from bot.expertise.terms import term_labels, topic_terms

__all__ = [
    "Candidate",
    "Evidence",
    "ExpertiseIndex",
    "RoutingPolicy",
    "ScoringParams",
    "TopicEvidence",
    "is_accept_reaction",
    "is_question",
    "is_thanks",
    "is_thanks_reaction",
    "term_labels",
    "topic_terms",
]
