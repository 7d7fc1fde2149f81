"""Text handling for knowledge search: normalising, FinOps synonyms and abbreviations, stemming, tokens."""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

import Stemmer

_CAMEL = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\b")
_KEEP_CAMEL = {"finops", "devops", "greenops", "servicenow", "bigquery", "powerbi", "mlops", "secops", "finley",
               "linkedin", "github", "sharepoint", "cloudhealth", "databricks", "openai", "chatgpt"}
_MENTION = re.compile(r"<@[^>]+>|@?\bfinops[-_ ]?bot\b|@\w+")
_WORD = re.compile(r"[a-z0-9]+")
def _split(text: str) -> list[str]:
    return text.split()


_FILLER = re.compile(
    r"^(?:(?:hey|hi|hello|yo|hiya|bot|finops bot|team|folks|all|guys|ok|okay|so|um+|uh+|hmm+|pls|plz|please|"
    r"quick q|quick question|question|q|sorry|dumb question|stupid question|noob question|random question|"
    r"real quick|btw|also|and|but)\b[\s,:;!.?-]*)+")

STOPWORDS = frozenset(_split("""
a an the of in on at for to and or nor with without about regarding re wrt vs versus from by into onto as per via
is are was were be been being am do does did done doing have has had having can could would should will shall may
might must i im me my mine we us our ours you your yours it its itself this that these those there here their they
them he she his her him what whats which who whom whose when where why how whats hows wheres
hey hi hello yo bot wat wut wht whta waht please pls plz thanks thank thx ty cheers ok okay so um uh hmm lol like
just really actually basically kinda sorta kind sort quick question q tell explain explaining explained explanation
describe describing
define definition meaning mean means meant know knows knowing wondering wonder curious
need needs want wanna gonna gotta anyone someone somebody something anything thing things stuff bit little lot
again also still yet then than very much many some any get got getting give let lets make sure one ones
exactly precisely simply simple words plain english eli5 term terms concept idea work works working
does doing go goes going look looking find help care about say said says talking talk
line sentence brief briefly short summary summarize tldr nutshell point purpose everyone keeps saying heard hear
u ur r ya yall out figure anymore nobody stuff guys folks theory basically
pros cons pro con advantages disadvantages downsides upsides drawbacks honestly literally seriously totally
dont doesnt isnt arent cant wont didnt ive id youre theyre thats theres lets every even usually normally
ask asks asked asking mention mentions mentioned mentioning few if whether yesterday today lately recently
but dumb stupid silly noob newbie sorry matter matters talks talked wants wanted wanting
"""))

def _forms(stem_word: str, endings: str) -> list[str]:
    return [stem_word + e for e in endings.split(",")]


# word sequences rewritten to one spelling before synonyms (hyphens and spaces are gone by then)
_NGRAMS: dict[tuple[str, ...], str] = {
    **{("show", w): "showback" for w in ("back", "backs")}, **{("charge", w): "chargeback" for w in ("back", "backs")},
    **{("cross", w): "chargeback" for w in _forms("charg", "e,es,ed,ing")},
    **{("right", w): "rightsizing" for w in _forms("siz", "e,es,ed,ing")},
    **{("down", w): "rightsizing downsizing" for w in _forms("siz", "e,es,ed,ing")},
    **{("on", w): "onprem" for w in ("prem", "prems", "premise", "premises")},
    ("fp", "and", "a"): "fpa finance", ("pay", "as", "you", "go"): "payg variable", ("green", "ops"): "greenops",
    ("gen", "ai"): "ai", ("crawl", "walk", "run"): "crawl walk run maturity", ("aws", "cur"): "cur",
    ("t", "shirt", "sizing"): "estimate", ("cost", "and", "usage", "report"): "cur", ("e", "mail"): "email",
    ("cost", "and", "usage", "reports"): "cur",
    ("microsoft", "learn"): "microsoft microsoftlearn", ("spare", "capacity"): "spot",
    ("work", "together"): "collaborate", ("real", "time"): "realtime timely", ("up", "to", "date"): "timely",
    ("scale", "up", "and", "down"): "elastic variable", ("c", "suite"): "executive leadership",
    ("save", "money"): "saving optimize", ("without", "billing"): "showback", ("without", "invoicing"): "showback",
    ("without", "charging"): "showback", ("data", "sources"): "data ingest", ("data", "source"): "data ingest",
    ("come", "from"): "ingest", ("time", "range"): "period", ("date", "range"): "period",
    ("time", "period"): "period", ("line", "item"): "charge row", ("line", "items"): "charge row",
    ("move", "to", "the", "cloud"): "migrate placement", ("move", "to", "cloud"): "migrate placement",
    ("lift", "and", "shift"): "migrate placement", ("stay", "on", "prem"): "placement onprem",
    ("saving", "money"): "saving optimize", ("cut", "costs"): "saving optimize", ("reduce", "costs"): "saving optimize",
    ("lower", "costs"): "saving optimize", ("cost", "cutting"): "saving optimize",
    ("set", "up"): "setup", ("too", "big"): "oversized", ("too", "large"): "oversized", ("off", "by"): "variance",
    ("over", "provisioned"): "oversized", ("getting", "started"): "getstarted", ("get", "started"): "getstarted",
    ("first", "steps"): "getstarted", ("blew", "up"): "spike",
    ("went", "nuts"): "spike", ("went", "crazy"): "spike", ("through", "the", "roof"): "spike",
    ("out", "of", "control"): "spike", ("went", "up"): "spike", ("cost", "per"): "unitcost cost",
    ("costs", "per"): "unitcost cost", ("spend", "per"): "unitcost spend", ("nobody", "uses"): "unused",
    ("not", "used"): "unused", ("no", "longer", "used"): "unused", ("left", "running"): "idle",
    ("forgot", "to", "turn", "off"): "idle", ("turn", "off"): "shutdown", ("shut", "down"): "shutdown",
    ("shutting", "down"): "shutdown", ("turning", "off"): "shutdown", ("switch", "off"): "shutdown",
    ("switching", "off"): "shutdown", ("power", "off"): "shutdown", ("dev", "envs"): "dev environment",
    ("dev", "env"): "dev environment",
    ("whats", "the", "deal", "with"): "", ("what", "is", "the", "deal", "with"): "", ("whats", "up", "with"): "",
    ("whats", "the", "story", "with"): "", ("covered", "by"): "coverage", ("sum", "up"): "summarize",
    ("new", "here"): "", ("im", "new"): "", ("i", "am", "new"): "", ("new", "to"): "", ("new", "joiner"): "",
    ("roll", "out"): "rollout adopt", ("rolling", "out"): "rollout adopt", ("small", "steps"): "small iteration",
    ("stand", "for"): "", ("stands", "for"): "", ("new", "hire"): "", ("just", "joined"): "",
    ("out", "of", "nowhere"): "anomaly", ("run", "for", "everything"): "run everywhere",
    ("run", "for", "every"): "run everywhere", ("run", "for", "all"): "run everywhere",
    ("run", "in", "every"): "run everywhere", ("run", "across", "the", "board"): "run everywhere",
    ("wont", "stop"): "", ("cant", "stop"): "", ("is", "covered"): "coverage",
}
_WORD_MAP = {
    "licence": "license", "licences": "license", "centre": "center", "centres": "center", "behaviour": "behavior",
    "percentage": "percent", "catalogue": "catalog", "programme": "program", "co2": "carbon", "co2e": "carbon",
    "greenops": "greenops sustainability", "genai": "ai", "onpremise": "onprem", "onpremises": "onprem",
    **{w: "rightsizing" for w in _forms("rightsiz", "e,es,ed,ing")},
    **{w: "rightsizing downsizing" for w in _forms("downsiz", "e,es,ed,ing")},
    # chat slang and shorthand → plain words (most then fall away as stopwords)
    **dict.fromkeys(("shld", "shd", "shud", "shuld", "shoud"), "should"), **dict.fromkeys(("w", "wit"), "with"),
    **dict.fromkeys(("abt", "bout"), "about"), **dict.fromkeys(("bc", "cuz", "coz", "bcoz"), "because"),
    **dict.fromkeys(("ppl", "peeps"), "people"),
    **dict.fromkeys(("idk", "dunno", "tbh", "imo", "imho", "afaik", "fyi", "rn", "asap", "wtf", "omg", "smh"), ""),
    "wdym": "what", "diff": "difference", "thru": "through", "b4": "before", "n": "and", "wat": "what",
    **dict.fromkeys(("slash", "slashing", "slashed", "trim", "trimming", "chop", "chopping"), "saving optimize"),
    **dict.fromkeys(("exploding", "exploded", "explode", "explodes", "ballooning", "ballooned", "balloon",
                     "skyrocketing", "soaring", "soared"), ""), "suddenly": "anomaly",
    "hw": "how", "wht": "what", "whch": "which",
}
_SKIP = frozenset(("even", "actually", "really", "exactly", "ever", "possibly", "honestly", "basically", "like"))
# "where would we even begin (with finops)": getting started with FinOps itself, not with one topic ("with tagging")
_START = re.compile(r"\b(?:where (?:\w+ ){0,4}?|how (?:do|should|can|would|to) (?:we |i |you |one )?)"
                    r"(?:start|begin|kick off|get going)\w*"
                    r"(?=$| (?:with |on |in |doing |a |our )?(?:finops|it|this)\b)")
_MAX_N = 5
_FIRST = frozenset(k[0] for k in _NGRAMS)


def _rewrite(words: list[str]) -> list[str]:
    """Apply the n-gram and word rewrites, longest match first."""
    out: list[str] = []
    i = 0
    words = [w for w in words if w not in _SKIP]
    while i < len(words):
        w = words[i]
        if w in _FIRST:
            for n in range(min(_MAX_N, len(words) - i), 1, -1):
                repl = _NGRAMS.get(tuple(words[i:i + n]))
                if repl is not None:
                    out.extend(repl.split())
                    i += n
                    break
            else:
                out.append(w)
                i += 1
            continue
        if w in _WORD_MAP:
            out.extend(_WORD_MAP[w].split())
        elif w[-1] == "x" and w[:-1].isdigit():  # "the bill went 4x"
            out.append("spike")
        else:
            out.append("amortiz" + w[7:] if w.startswith("amortis") else w)
        i += 1
    return out


# abbreviation or slang → the words articles use (applied to articles and questions alike)
SYNONYMS: dict[str, str] = {
    "ri": "reserved instance", "ris": "reserved instance", "sp": "savings plan", "sps": "savings plan",
    "cud": "committed use discount", "cuds": "committed use discount", "tco": "total cost ownership",
    "kpis": "kpi", "esr": "effective savings rate", "edp": "edp enterprise discount program",
    "macc": "macc azure consumption commitment", "ea": "enterprise agreement", "eas": "enterprise agreement",
    "ahb": "azure hybrid benefit", "byol": "byol license", "cur": "cur billing export",
    "roi": "roi return investment", "vm": "virtual machine", "vms": "virtual machine", "ec2": "instance",
    "llm": "ai llm", "llms": "ai llm", "gpu": "gpu ai", "gpus": "gpu ai", "genai": "ai", "k8s": "kubernetes",
    "jumped": "spike", "jump": "spike", "doubled": "spike", "tripled": "spike", "skyrocketed": "spike",
    "spiked": "spike", "oversized": "oversized rightsizing", "overprovisioned": "oversized rightsizing",
    "underutilized": "underutilized rightsizing", "collect": "collect ingest", "collecting": "collect ingest",
    "gather": "gather ingest", "pipeline": "pipeline ingest", "etl": "etl ingest", "getstarted": "getstarted start",
    "assign": "assign allocate", "assigning": "assign allocate", "attribute": "attribute allocate",
    "attributed": "attribute allocate", "attribution": "attribute allocate", "learn": "learn train",
    "learning": "learn train", "teach": "teach train", "upskill": "upskill train", "courses": "course train",
    "course": "course train", "workshops": "workshop train", "seats": "seat license", "seat": "seat license",
    "approval": "approval policy", "approve": "approval policy", "enforce": "enforce policy",
    "enforcing": "enforce policy", "prevent": "prevent policy", "restrict": "restrict policy",
    "dashboards": "dashboard report", "dashboard": "dashboard report", "variance": "variance",
    "belongs": "belong allocate", "belong": "belong allocate", "runaway": "spike", "unused": "unused waste",
    "unitcost": "unitcost unit", "shutdown": "shutdown schedul",
    "row": "charge row", "rows": "charge row", "migrate": "migrate placement", "migrating": "migrate placement",
    **dict.fromkeys(("overcommit", "overcommitting", "overcommitted", "overbuy", "overbought"), "commitment unused"),
    **dict.fromkeys(("talk", "communicate", "communication", "cooperate", "cooperation", "together", "partnership",
                     "silo", "silos"), "collaborate"),
    **dict.fromkeys(("fresh", "freshness", "stale", "delayed", "lag", "realtime"), "timely"),
    **dict.fromkeys(("elastic", "elasticity", "autoscaling", "autoscale"), "elastic variable"),
    **dict.fromkeys(("programmer", "programmers", "coder", "coders"), "developer engineer"),
    **dict.fromkeys(("weekend", "weekends", "overnight"), "weekend schedule"),
    **dict.fromkeys(("accountant", "accountants", "bookkeeper"), "accounting finance"),
    **dict.fromkeys(("buyer", "buyers", "purchasing"), "procurement purchasing"),
    **dict.fromkeys(("cxo", "vp", "svp", "evp", "board"), "executive leadership"),
    "schema": "schema focus", "spec": "specification focus", "specification": "specification focus",
    "unblended": "actual unblended", "used": "used usage", "documentation": "docs documentation",
    "tech": "technology engineer",
    "grouped": "group domain", "save": "saving", "saves": "saving", "warehouse": "warehouse ingest",
    "lake": "lake ingest", "datalake": "lake ingest",
    **dict.fromkeys(("weird", "odd", "strange", "unusual", "abnormal", "unexpected", "sudden", "surprise",
                     "surprising", "outlier", "outliers"), "anomaly"),
    **dict.fromkeys(("interruptible", "preempted", "evicted", "eviction"), "spot"),
    "efficient": "efficiency", "inefficient": "efficiency waste", "accurate": "accuracy accurate",
    "inaccurate": "accuracy", "structure": "structure setup", "tie": "align", "link": "align link",
    "connect": "connect align", **dict.fromkeys(("usd", "eur", "euro", "euros", "dollars", "currencies"), "currency"),
    **dict.fromkeys(("openai", "anthropic", "chatgpt", "gpt", "bedrock", "copilot", "tokens"), "ai"),
    "snapshots": "snapshot waste", "snapshot": "snapshot waste", "volumes": "disk", "volume": "disk", "ebs": "disk",
    "ghg": "carbon emission", "emissions": "carbon emission", "spikes": "spike anomaly", "spike": "spike anomaly",
    "surge": "spike anomaly", "anomalous": "anomaly", "zombie": "zombie waste", "orphaned": "orphaned waste",
    "unattached": "unattached waste", "idle": "idle waste", "untagged": "untagged tag", "preemptible": "spot",
    "reservations": "reservation", "predict": "forecast", "prediction": "forecast", "projection": "forecast",
    "projections": "forecast", "recharge": "chargeback", "recharging": "chargeback", "cfo": "cfo finance leadership",
    "cto": "cto leadership", "cio": "cio leadership", "ceo": "ceo leadership", "execs": "executive",
    "exec": "executive", "pm": "product manager", "pms": "product manager", "po": "product owner",
    "devs": "developer engineer", "sre": "sre engineer", "sres": "sre engineer", "finops": "finops", "saas": "saas",
    "tagging": "tag", "labels": "tag label", "label": "tag label", "labeling": "tag label", "labelling": "tag label",
    "1yr": "year", "3yr": "year", "focus": "focus", "kpi": "kpi", "tbm": "tbm", "itfm": "itfm", "itam": "itam",
    "sam": "sam itam", "itsm": "itsm", "itil": "itil", "raci": "raci", "ai": "ai", "ml": "ai machine learning",
    "cogs": "unit cost", "payg": "payg", "onprem": "onprem data center", "colo": "colocation",
    "snowflake": "snowflake data cloud platform", "databricks": "databricks data cloud platform",
    "bigquery": "bigquery data cloud platform", "azure": "azure", "aws": "aws", "gcp": "gcp google",
    "showback": "showback", "chargeback": "chargeback", "greenops": "greenops sustainability",
    "opex": "opex", "capex": "capex", "tac": "tac", "x": "x",
}

_STEMMER = Stemmer.Stemmer("english")
_STEM_EXCEPTIONS = {"data": "data", "news": "news", "lens": "lens"}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter2) stem of a word: optimise/optimization/optimizing → optim; numbers stay as they are."""
    if word in _STEM_EXCEPTIONS or not word.isalpha():
        return _STEM_EXCEPTIONS.get(word, word)
    return _STEMMER.stemWord(word)


def split_camel(text: str, joined: bool = True) -> str:
    """``BilledCost`` → ``Billed Cost BilledCost`` (``joined``) so both spellings match; brand words stay whole."""

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.lower() in _KEEP_CAMEL:
            return word
        return " ".join(re.findall(r"[A-Z][a-z0-9]*", word)) + (" " + word if joined else "")

    return _CAMEL.sub(repl, text)


def has_camel(text: str) -> bool:
    """Whether the text contains a camelCase column-like word."""
    return any(m.group(0).lower() not in _KEEP_CAMEL for m in _CAMEL.finditer(text))


def light(text: str, joined: bool = True) -> str:
    """Lower-case words only: accents folded, camelCase split, mentions and leading chat filler removed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = split_camel(text, joined).lower()
    text = _MENTION.sub(" ", text).replace("'", "").replace("%", " percent ").replace("&", " and ")
    text = _START.sub("getstarted", " ".join(_rewrite(_WORD.findall(text))))
    return _FILLER.sub("", text).strip()


def expand(words: list[str]) -> list[str]:
    """Apply the synonym table word by word (an abbreviation becomes the words articles use)."""
    out: list[str] = []
    for w in words:
        out.extend(SYNONYMS.get(w, w).split())
    return out


def content_words(text_light: str) -> list[str]:
    """Non-stopword words of already-``light`` text, synonyms expanded (unstemmed)."""
    return [w for w in expand(text_light.split()) if w not in STOPWORDS]


def terms(words: list[str]) -> list[str]:
    """Stemmed unigrams plus adjacent bigrams (``saving plan`` as one term) for indexing and querying."""
    stems = [stem(w) for w in words]
    return stems + [f"{a}_{b}" for a, b in itertools.pairwise(stems) if a != b]
