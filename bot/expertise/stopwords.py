"""English and French function words that say nothing about a topic.

Written for Pulse: pronouns, articles, auxiliaries, prepositions, conjunctions, common
adverbs and chat filler, in accent-free lower case (the form :func:`text.fold` produces).
"""

from __future__ import annotations

_ENGLISH = """
a about above after again against all almost also although always am among an and another
any anybody anyone anything anyway anywhere are aren't around as ask asked asking at away
back be became because become been before being below best better between both but by
can can't cannot could couldn't did didn't do does doesn't doing don't done down during
each either else enough etc even ever every everyone everything few find first for found
from further get gets getting give given go goes going gone good got great guess had
hadn't has hasn't have haven't having he he'd he'll he's hello help her here hers herself
hey hi him himself his how however i i'd i'll i'm i've idea ideas if in instead into is
isn't it it's its itself just know knows last least less let let's like likely little lot
lots made make makes making many may maybe me might mine more most much must my myself
need needs never new no nobody none nor not nothing now of off often oh ok okay old on
once one ones only or other others otherwise our ours ourselves out over own people
perhaps please pretty probably put quite rather really right said same say says see seem
seems seen several shall she she'd she'll she's should shouldn't since so some somebody
someone something sometimes somewhat soon still such sure take tell than thank thanks that
that's the their theirs them themselves then there there's these they they'd they'll
they're they've thing things think this those though through thus to today too tried try
trying under until up upon us use used using very via want wants was wasn't way we we'd
we'll we're we've well went were weren't what what's whatever when where whether which
while who who's whom whose why will with within without won't wonder wondering would
wouldn't yeah yes yet you you'd you'll you're you've your yours yourself yourselves
anyone's does anybody's thx ty pls plz lol btw imo imho fyi hmm cheers kind sort bit
able actually already another's around basically certain come comes different either
especially example exactly far fine getting gives having huge keep kinds look looking
mean means mostly next nice non per possible quite seeing seriously simply specific
stuff sure thing though thought three two usually various whole wish yourself
question questions problem problems issue issues
"""

_FRENCH = """
a afin ai aie aient aies ait alors as assez au aucun aucune aupres aussi autre autres aux
avaient avais avait avant avec avez aviez avions avoir avons ayant bah bcp beaucoup bien
bon bonjour bonne bonsoir c ca car ce ceci cela celle celles celui cependant certain
certaine certaines certains ces cet cette ceux chaque chez ci comme comment d dans de
debut deja depuis des deux devrait dire dis dit doit donc dont du elle elles en encore
entre es est et etaient etais etait etant ete etes etre eu eux faire fais fait faites
faut fois font grace hier ici il ils j jamais je jusqu l la le les leur leurs lui m ma
mais me meme memes merci mes moi moins mon n ne ni non nos notre nous on ont ou oui par
parce parfois pas peu peut peuvent peux plus plusieurs plutot pour pourquoi pourrait
pourriez puis qu quand que quel quelle quelles quels qui quoi quelqu quelque quelques
quelqu'un rien s sa salut sans sais sait se selon ses seulement si sien soit sommes son
sont sous souvent suis sur t ta tant te tes toi ton toujours tous tout toute toutes tres
trop tu un une unes uns vers veut veux via voici voila vos votre vous vraiment y coucou
svp stp genre truc trucs chose choses aide aider besoin savoir quelqu'un idee idees
qqn qqch ya ben euh ok cas facon question questions probleme avis
"""

STOPWORDS: frozenset[str] = frozenset((_ENGLISH + _FRENCH).split())
"""Every stopword, English and French together: a message may mix both."""
