"""The assessment model: FinOps capabilities (2026 names), the five lenses with 0-4 levels, and our scoring labels.

Scoring follows the FinOps Foundation assessment playbook: each capability is scored on five lenses, 0-4 each, so
0-20 per capability. The playbook has NO official mapping from a score to Crawl/Walk/Run; the one below is OURS:
below 40 % of the maximum (0-7 of 20) is Crawl, 40-75 % (8-15) is Walk, above 75 % (16-20) is Run.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

MAX_LEVEL = 4
MAX_SCORE = 20  # five lenses x level 4
WALK_FROM, RUN_ABOVE = 0.40, 0.75  # our thresholds, as a share of the maximum


@dataclass(frozen=True)
class Lens:
    """One way of looking at a capability, scored 0-4."""

    id: str
    name: str
    question: str  # "{cap}" and "{team}" are filled in
    meaning: str
    levels: tuple[str, str, str, str, str]
    tip: str  # a concrete next step for a low score; "{cap}" and "{kpi}" are filled in


@dataclass(frozen=True)
class Capability:
    """A FinOps Framework 2026 capability; ``id`` is the knowledge base slug (``capability/<id>``)."""

    id: str
    name: str
    domain: str
    aliases: tuple[str, ...] = ()
    kpi: str = "one measure of success the team agrees on"


LENSES: tuple[Lens, ...] = (
    Lens("knowledge", "Knowledge", "How well is {cap} understood in {team}?",
         "how widely people in the team understand the capability and why it matters to them",
         ("No knowledge: hardly anyone knows what it involves or why it matters.",
          "Partial: one or two people understand it; everyone else relies on them.",
          "Developing: most people know the basics, but depth varies a lot.",
          "Full: the whole team understands it and can explain it to a newcomer.",
          "Leader: the team teaches others and shapes how the company does it."),
         "Run a 30-minute session on {cap} for the whole team and keep a one-page explainer in your wiki."),
    Lens("process", "Process", "Are the steps of {cap} defined, written down and followed in {team}?",
         "whether the actions are defined, documented and actually followed",
         ("No process: it happens ad hoc, if at all.",
          "Implementing: a process is being written or tried for the first time.",
          "Proof of concept: a written process works in a pilot or for part of the team.",
          "Scaled: a written process is followed across the team.",
          "Mature: the process is routine, reviewed and improved regularly."),
         "Write down who does what for {cap} (a short checklist with an owner) and use it at the next review."),
    Lens("metrics", "Metrics", "Is {cap} measured in {team}, with KPIs tied to goals?",
         "whether the capability is measured, with KPIs tied to goals and targets",
         ("No metrics: nothing is measured.",
          "Identified: we know what we should measure, but we do not measure it yet.",
          "Baselined: measured by hand now and then, e.g. a red/amber/green sheet.",
          "Established: KPIs are collected regularly and compared with targets.",
          "Mature: SMART KPIs, collected automatically and shared across the company."),
         "Pick one KPI for {cap} ({kpi}), record a baseline this month and review it every month."),
    Lens("adoption", "Adoption", "How much is {cap} part of business as usual in {team}?",
         "how broadly the capability is used as normal work rather than by a few enthusiasts",
         ("No adoption: nobody does it.",
          "Siloed: a few individuals do it on their own.",
          "Initial standard: a standard exists and some people follow it.",
          "Key adoption: most of the team does it as part of normal work.",
          "Full adoption: everyone does it by default; it is simply how we work."),
         "Put {cap} on the agenda of an existing team ritual (sprint review or monthly ops review)."),
    Lens("automation", "Automation", "How much of the repeatable work of {cap} is automated in {team}?",
         "how much of the repeatable work is done by tools instead of by hand",
         ("None: everything is done by hand.",
          "Opportunities identified: we know what could be automated.",
          "Experimental: scripts or pilots automate some of the steps.",
          "Primary: most repeatable steps run automatically.",
          "Full: automated end to end; people handle only the exceptions."),
         "Automate the most repeated manual step of {cap} first (a scheduled report, alert or policy check)."),
)
LENS_BY_ID = {lens.id: lens for lens in LENSES}

DOMAINS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("understand", "Understand Usage & Cost", ("understand cloud usage and cost", "understand usage and cost")),
    ("quantify", "Quantify Business Value", ("quantify business value", "business value")),
    ("optimize", "Optimize Usage & Cost", ("optimize cloud usage and cost", "optimise usage and cost")),
    ("manage", "Manage the FinOps Practice", ("manage the finops practice", "practice management")),
)

CAPABILITIES: tuple[Capability, ...] = (
    Capability("data-ingestion", "Data Ingestion", "understand", ("ingestion", "cost data pipeline"),
               "share of spend arriving in the cost data within a day"),
    Capability("allocation", "Allocation", "understand", ("cost allocation", "managing shared cost", "tagging"),
               "% of spend allocated to an owner"),
    Capability("reporting-and-analytics", "Reporting & Analytics", "understand",
               ("reporting", "analytics", "data analysis and showback", "showback", "dashboards"),
               "share of people who look at their cost report each month"),
    Capability("anomaly-management", "Anomaly Management", "understand",
               ("anomalies", "managing anomalies", "anomaly detection", "cost spikes"),
               "time from an anomaly to its owner knowing about it"),
    Capability("planning-and-estimating", "Planning & Estimating", "quantify", ("planning", "estimating"),
               "estimate vs actual variance"),
    Capability("forecasting", "Forecasting", "quantify", ("forecast", "forecasts"),
               "forecast vs actual variance (20/15/12 %)"),
    Capability("budgeting", "Budgeting", "quantify", ("budget", "budgets", "budget management"),
               "budget vs actual variance"),
    Capability("kpis-and-benchmarking", "KPIs & Benchmarking", "quantify",
               ("benchmarking", "kpis", "kpi & benchmarking", "kpi and benchmarking"),
               "number of teams compared on the same efficiency KPI"),
    Capability("unit-economics", "Unit Economics", "quantify", ("unit costs", "measuring unit costs", "unit cost"),
               "cost per unit of business value, e.g. per transaction"),
    Capability("architecting-and-workload-placement", "Architecting & Workload Placement", "optimize",
               ("architecting for cloud", "architecting for the cloud", "workload placement", "architecture",
                "onboarding workloads"), "share of new designs with a cost estimate"),
    Capability("usage-optimization", "Usage Optimization", "optimize",
               ("workload optimization", "rightsizing", "resource utilization and efficiency", "idle resources"),
               "share of resources rightsized or scheduled"),
    Capability("rate-optimization", "Rate Optimization", "optimize",
               ("commitment discounts", "managing commitment-based discounts", "reservations", "savings plans"),
               "commitment coverage and Effective Savings Rate"),
    Capability("licensing-and-saas", "Licensing & SaaS", "optimize", ("licensing", "saas", "licenses"),
               "share of licences actually used"),
    Capability("sustainability", "Sustainability", "optimize", ("cloud sustainability", "carbon", "greenops"),
               "kgCO2e per unit of value"),
    Capability("executive-strategy-alignment", "Executive Strategy Alignment", "manage",
               ("strategy alignment", "executive alignment"), "share of spend tied to a strategic priority"),
    Capability("finops-practice-operations", "FinOps Practice Operations", "manage",
               ("practice operations", "establishing a finops culture", "finops operating model"),
               "share of teams with a named FinOps contact"),
    Capability("governance-policy-and-risk", "Governance, Policy & Risk", "manage",
               ("policy and governance", "cloud policy and governance", "governance", "policy", "guardrails"),
               "% of cost that is policy-compliant"),
    Capability("finops-education-and-enablement", "FinOps Education & Enablement", "manage",
               ("education", "enablement", "training", "education and enablement"), "% of people trained"),
    Capability("invoicing-and-chargeback", "Invoicing & Chargeback", "manage",
               ("chargeback", "invoicing", "chargeback and finance integration"),
               "share of invoice cost charged back automatically"),
    Capability("finops-assessment", "FinOps Assessment", "manage", ("assessment", "maturity assessment"),
               "assessments per year with the same scope"),
    Capability("automation-tools-and-services", "Automation, Tools & Services", "manage",
               ("finops tools and services", "tools and services", "tooling", "tools"), "adoption of the chosen tools"),
    Capability("intersecting-disciplines", "Intersecting Disciplines", "manage",
               ("intersecting frameworks", "finops and intersecting frameworks", "itam", "itfm"),
               "number of joint reviews with adjacent teams"),
)
CAPABILITY_BY_ID = {cap.id: cap for cap in CAPABILITIES}
QUICK_DEFAULT: tuple[str, ...] = ("allocation", "budgeting", "usage-optimization")  # 15 questions
QUICK_MIN, QUICK_MAX = 3, 5


def maturity_label(score: float) -> str:
    """OUR mapping of a 0-20 capability score to Crawl / Walk / Run (see the module docstring)."""
    share = score / MAX_SCORE
    if share > RUN_ABOVE:
        return "Run"
    return "Walk" if share >= WALK_FROM else "Crawl"


def question_at(capabilities: tuple[str, ...], index: int) -> tuple[Capability, Lens]:
    """The capability and lens asked at position ``index`` (capability by capability, lenses in order)."""
    return CAPABILITY_BY_ID[capabilities[index // len(LENSES)]], LENSES[index % len(LENSES)]


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("&", " and ").replace("-", " ").replace(",", " ").split())


_NAMES = {_normal(n): cap.id for cap in CAPABILITIES for n in (cap.name, cap.id, *cap.aliases)}


def find_capability(text: str, cutoff: float = 85) -> tuple[Capability | None, list[Capability]]:
    """A capability from a possibly misspelt name: (it, []) or (None, up to three suggestions)."""
    wanted = _normal(text)
    if not wanted:
        return None, []
    if wanted in _NAMES:
        return CAPABILITY_BY_ID[_NAMES[wanted]], []
    hits = process.extract(wanted, list(_NAMES), scorer=fuzz.WRatio, limit=8)
    ranked: list[Capability] = []
    for name, score, _ in hits:
        cap = CAPABILITY_BY_ID[_NAMES[name]]
        if score >= 60 and cap not in ranked:
            ranked.append(cap)
    top = hits[0] if hits else None
    if top and top[1] >= cutoff and len(wanted) >= 4 and process.extractOne(
            wanted, [top[0]], scorer=fuzz.ratio)[1] >= 70:
        return CAPABILITY_BY_ID[_NAMES[top[0]]], []
    return None, ranked[:3]


def find_domain(text: str) -> str | None:
    """A domain id from its short or full name ("optimize", "Quantify Business Value")."""
    wanted = _normal(text)
    for key, name, aliases in DOMAINS:
        if wanted in (key, _normal(name), *(_normal(a) for a in aliases)) or wanted.startswith(key):
            return key
    return None


def domain_name(key: str) -> str:
    """The display name of a domain id."""
    return next(name for k, name, _ in DOMAINS if k == key)


def domain_capabilities(key: str) -> tuple[str, ...]:
    """Every capability id of one domain, in framework order."""
    return tuple(cap.id for cap in CAPABILITIES if cap.domain == key)
