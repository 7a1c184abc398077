"""Kinds of demo mentors: the taxonomy categories they know, their roles and their track records.

Feats are past-tense phrases that complete "Along the way I ...". In them ``{n}`` is a count in
the tens or hundreds, ``{few}`` a small count, ``{yrs}`` a number of years, ``{topic}`` the
topic in lower case and ``{workplace}`` one of the persona's workplaces.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    """A kind of mentor whose expertise hangs together, e.g. an engineering leader."""

    key: str
    weight: int
    categories: tuple[str, ...]
    roles: tuple[str, ...]
    workplaces: tuple[str, ...]
    feats: tuple[str, ...]


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "software",
        10,
        ("software-engineering", "career", "job-search", "data-ai", "leadership"),
        (
            "software engineer",
            "staff engineer",
            "engineering manager",
            "backend developer",
            "mobile developer",
            "tech lead",
            "startup CTO",
        ),
        (
            "a fintech startup",
            "a large online retailer",
            "a games studio",
            "a public broadcaster",
            "a healthcare software company",
            "an open-source foundation",
            "a logistics platform",
        ),
        (
            "reviewed thousands of pull requests at {workplace}",
            "hired and mentored {n} engineers",
            "ran more than {n} technical interviews",
            "led the rebuild of a platform used by millions of people",
            "gave talks on {topic} at local meetups",
            "was on call for a payments system for years",
            "moved from junior developer to tech lead at {workplace}",
        ),
    ),
    Persona(
        "data",
        6,
        ("data-ai", "software-engineering", "career-change", "academic-careers"),
        (
            "data scientist",
            "machine learning engineer",
            "analytics lead",
            "data engineer",
            "research scientist",
        ),
        (
            "an insurance company",
            "a ride-sharing app",
            "a university hospital",
            "a climate analytics startup",
            "a national statistics office",
            "a media company",
        ),
        (
            "built the analytics team at {workplace} from scratch",
            "shipped {few} machine learning models to production",
            "taught an evening course on {topic} for {n} students",
            "switched from physics research to industry data science",
            "designed the A/B testing practice at {workplace}",
        ),
    ),
    Persona(
        "product",
        4,
        ("product-management", "design", "leadership", "entrepreneurship"),
        ("product manager", "head of product", "product designer turned PM", "product coach"),
        (
            "a travel booking site",
            "a B2B software company",
            "a mobile bank",
            "an edtech startup",
            "a marketplace for local services",
        ),
        (
            "launched {few} products, and killed a few more that deserved it",
            "ran discovery interviews with hundreds of customers",
            "coached {n} new product managers at {workplace}",
            "moved into product from customer support",
        ),
    ),
    Persona(
        "design",
        4,
        ("design", "creativity-arts", "career-change", "product-management"),
        ("UX designer", "design lead", "brand designer", "user researcher", "illustrator"),
        (
            "a design agency",
            "a public digital service",
            "a fashion label",
            "a museum",
            "a consumer app",
        ),
        (
            "redesigned the checkout of {workplace} and cut drop-offs by a third",
            "reviewed more than {n} design portfolios",
            "built a design system used by {n} teams",
            "ran usability tests with hundreds of participants",
        ),
    ),
    Persona(
        "career",
        8,
        ("career", "job-search", "career-change", "negotiation", "communication"),
        (
            "career coach",
            "recruiter",
            "HR business partner",
            "talent acquisition lead",
            "outplacement consultant",
        ),
        (
            "a global consulting firm",
            "a recruitment agency",
            "a university careers service",
            "a large hospital group",
            "a tech scale-up",
        ),
        (
            "negotiated more than {n} job offers as a recruiter",
            "read tens of thousands of CVs at {workplace}",
            "coached {n} people through a career change",
            "sat on hundreds of interview panels",
            "helped {n} people back into work after a long break",
        ),
    ),
    Persona(
        "manager",
        6,
        ("management", "leadership", "communication", "negotiation", "career"),
        (
            "operations director",
            "team lead",
            "general manager",
            "head of customer service",
            "plant manager",
            "nurse manager",
        ),
        (
            "a manufacturing company",
            "a hotel chain",
            "a city hospital",
            "a call centre",
            "a retail chain",
            "a non-profit",
        ),
        (
            "managed teams of up to {n} people at {workplace}",
            "led {workplace} through two reorganisations",
            "trained {n} first-time managers",
            "turned around a team with the highest staff turnover in the company",
        ),
    ),
    Persona(
        "founder",
        6,
        ("entrepreneurship", "fundraising", "sales", "marketing", "leadership"),
        (
            "founder",
            "serial entrepreneur",
            "startup advisor",
            "small business owner",
            "co-founder and CEO",
        ),
        (
            "a bakery with three shops",
            "a software startup",
            "a sustainable fashion brand",
            "a language school",
            "a food delivery company",
            "a design studio",
        ),
        (
            "started three companies: one sold, one failed, one still runs",
            "built {workplace} from a kitchen table to {n} employees",
            "wrote the business plan that got {workplace} its first bank loan",
            "mentored founders in an accelerator programme for {few} cohorts",
        ),
    ),
    Persona(
        "fundraiser",
        2,
        ("fundraising", "entrepreneurship", "community-volunteering", "public-speaking"),
        ("angel investor", "venture partner", "fundraising director", "grants officer"),
        (
            "an early-stage fund",
            "an international charity",
            "a regional innovation agency",
            "an arts foundation",
        ),
        (
            "invested in {n} early-stage companies",
            "read more than {n} pitch decks",
            "raised millions for {workplace}",
            "sat on grant juries for {yrs} years",
        ),
    ),
    Persona(
        "marketer",
        4,
        ("marketing", "sales", "writing", "entrepreneurship"),
        (
            "marketing lead",
            "brand strategist",
            "growth marketer",
            "content strategist",
            "social media manager",
        ),
        (
            "a consumer electronics brand",
            "a marketing agency",
            "a travel company",
            "a subscription box startup",
            "a regional newspaper",
        ),
        (
            "grew a newsletter to {n} thousand readers",
            "ran campaigns for {n} brands at {workplace}",
            "took {workplace} from zero to page one of the search results",
            "rebranded {workplace} on a shoestring budget",
        ),
    ),
    Persona(
        "sales",
        4,
        ("sales", "negotiation", "communication", "career"),
        ("account executive", "sales director", "key account manager", "business developer"),
        (
            "an industrial supplier",
            "a software vendor",
            "a medical devices company",
            "a wine exporter",
        ),
        (
            "closed deals worth millions at {workplace}",
            "built a sales team of {n} people",
            "made thousands of cold calls and learned from every one",
            "won back {few} unhappy key accounts",
        ),
    ),
    Persona(
        "speaker",
        3,
        ("public-speaking", "communication", "writing", "leadership"),
        (
            "speaking coach",
            "communications consultant",
            "former radio journalist",
            "debate trainer",
        ),
        (
            "a national radio station",
            "a communications agency",
            "a university debate society",
            "a theatre company",
        ),
        (
            "coached {n} speakers for conference keynotes",
            "hosted a daily radio show for {yrs} years",
            "gave more than {n} talks on three continents",
            "trained executives at {workplace} for media interviews",
        ),
    ),
    Persona(
        "writer",
        3,
        ("writing", "creativity-arts", "public-speaking", "marketing"),
        ("novelist", "editor", "journalist", "copywriter", "ghostwriter"),
        ("a publishing house", "a weekly magazine", "a literary agency", "a news website"),
        (
            "published {few} books",
            "edited more than {n} manuscripts at {workplace}",
            "ran a writing workshop for {yrs} years",
            "wrote for {workplace} for a decade",
        ),
    ),
    Persona(
        "artist",
        3,
        ("creativity-arts", "writing", "mental-wellbeing", "entrepreneurship"),
        ("painter", "musician", "photographer", "ceramicist", "filmmaker"),
        ("my own studio", "a community arts centre", "a music school", "a photo agency"),
        (
            "exhibited work in {n} shows",
            "sold work to collectors in {few} countries",
            "taught evening classes at {workplace} for {yrs} years",
            "released {few} albums independently",
        ),
    ),
    Persona(
        "academic",
        4,
        ("academic-careers", "study", "writing", "career-change", "fundraising"),
        (
            "professor",
            "postdoctoral researcher",
            "research group leader",
            "lecturer",
            "former academic turned consultant",
        ),
        (
            "a research university",
            "a national research institute",
            "a technical university",
            "a medical school",
        ),
        (
            "supervised {few} PhD students to completion",
            "published {n} peer-reviewed papers",
            "won {few} competitive research grants",
            "sat on hiring committees at {workplace}",
            "spun a research project out of {workplace} into a company",
        ),
    ),
    Persona(
        "educator",
        4,
        ("study", "education-choices", "language-learning", "family"),
        (
            "secondary school teacher",
            "school counsellor",
            "admissions advisor",
            "special needs teacher",
            "head teacher",
        ),
        (
            "a state secondary school",
            "an international school",
            "a sixth-form college",
            "a university admissions office",
        ),
        (
            "taught more than {n} teenagers",
            "guided {n} students through university applications",
            "ran exam-preparation classes for {yrs} years",
            "set up a learning support unit at {workplace}",
        ),
    ),
    Persona(
        "linguist",
        3,
        ("language-learning", "relocation", "education-choices", "communication"),
        ("language teacher", "translator", "conference interpreter", "language school director"),
        (
            "a language school",
            "an international organisation",
            "a translation agency",
            "an adult education centre",
        ),
        (
            "taught {n} adults to speak a new language",
            "interpreted at {n} international summits",
            "learned four languages as an adult",
            "prepared {n} students for language exams",
        ),
    ),
    Persona(
        "relocation",
        4,
        ("relocation", "immigration", "housing", "language-learning", "career"),
        (
            "relocation consultant",
            "immigration caseworker",
            "global mobility specialist",
            "expat community organiser",
        ),
        (
            "a relocation agency",
            "a multinational's HR team",
            "a migrant advice centre",
            "an expat association",
        ),
        (
            "helped {n} families settle in a new country",
            "filed hundreds of visa applications",
            "moved countries {few} times myself",
            "ran welcome sessions for newcomers for {yrs} years",
        ),
    ),
    Persona(
        "lawyer",
        3,
        ("law-rights", "housing", "immigration", "divorce", "negotiation"),
        ("employment lawyer", "family lawyer", "paralegal", "legal aid adviser", "mediator"),
        ("a law firm", "a legal aid clinic", "a tenants' union", "a consumer association"),
        (
            "advised more than {n} clients at {workplace}",
            "settled {n} disputes out of court",
            "volunteered at a free legal clinic for {yrs} years",
            "trained as a mediator after a decade in litigation",
        ),
    ),
    Persona(
        "finance",
        4,
        ("personal-finance", "money-debt", "retirement", "housing", "marriage"),
        ("financial planner", "accountant", "debt adviser", "bank branch manager", "tax adviser"),
        ("a credit union", "an accountancy practice", "a debt advice charity", "a savings bank"),
        (
            "helped {n} households get out of debt",
            "prepared thousands of tax returns",
            "taught money workshops to {n} young adults",
            "paid off my own debt in four years",
        ),
    ),
    Persona(
        "parenting",
        6,
        ("family", "education-choices", "relationships", "caregiving", "divorce"),
        (
            "family therapist",
            "parent coach",
            "paediatric nurse",
            "midwife",
            "youth worker",
            "foster carer",
        ),
        (
            "a family counselling service",
            "a children's hospital",
            "a youth centre",
            "a parents' association",
        ),
        (
            "worked with {n} families at {workplace}",
            "raised three children, two of them teenagers",
            "ran parenting workshops for {yrs} years",
            "fostered {few} children over the years",
        ),
    ),
    Persona(
        "relationships",
        4,
        ("relationships", "marriage", "dating", "divorce", "communication", "friendship"),
        ("couples therapist", "relationship coach", "marriage counsellor", "mediator"),
        ("a couples counselling practice", "a community counselling centre", "my own practice"),
        (
            "counselled {n} couples",
            "ran relationship workshops for {yrs} years",
            "rebuilt my own marriage after a rough patch",
            "mediated separations for {n} families",
        ),
    ),
    Persona(
        "care",
        3,
        ("grief", "caregiving", "mental-wellbeing", "family"),
        ("hospice nurse", "grief counsellor", "social worker", "chaplain", "care home manager"),
        ("a hospice", "a bereavement charity", "a home care service", "a hospital"),
        (
            "sat with hundreds of families at the end of life",
            "ran a bereavement support group for {yrs} years",
            "cared for my mother through dementia",
            "supported {n} carers at {workplace}",
        ),
    ),
    Persona(
        "wellbeing",
        4,
        ("mental-wellbeing", "health", "fitness", "nutrition", "career"),
        ("psychologist", "wellbeing coach", "occupational therapist", "mindfulness teacher", "GP"),
        (
            "a mental health charity",
            "a group practice",
            "a corporate wellbeing programme",
            "a university counselling service",
        ),
        (
            "worked with {n} clients on {topic}",
            "recovered from burnout and rebuilt my working life",
            "taught mindfulness courses to {n} people",
            "ran stress workshops at {workplace} for {yrs} years",
        ),
    ),
    Persona(
        "fitness",
        4,
        ("fitness", "nutrition", "health", "mental-wellbeing"),
        ("personal trainer", "dietitian", "physiotherapist", "running coach", "yoga teacher"),
        ("a sports club", "a physiotherapy clinic", "a community gym", "my own studio"),
        (
            "trained {n} clients at {workplace}",
            "finished {few} marathons after starting at 40",
            "helped {n} people return to sport after injury",
            "coached a running club for {yrs} years",
        ),
    ),
    Persona(
        "community",
        3,
        ("community-volunteering", "friendship", "communication", "fundraising"),
        ("community organiser", "volunteer coordinator", "charity director", "local councillor"),
        ("a neighbourhood association", "a food bank", "a youth charity", "a tenants' union"),
        (
            "coordinated {n} volunteers at {workplace}",
            "started a neighbourhood group from scratch",
            "ran a food bank through two winters",
            "chaired {workplace} for {yrs} years",
        ),
    ),
    Persona(
        "retiree",
        3,
        ("retirement", "personal-finance", "caregiving", "community-volunteering", "management"),
        (
            "retired head teacher",
            "retired bank manager",
            "retired engineer",
            "retired nurse",
            "semi-retired consultant",
        ),
        ("a regional bank", "a public hospital", "a power company", "a primary school"),
        (
            "planned my own early retirement over {yrs} years",
            "worked {yrs} years at {workplace} before retiring",
            "mentored {n} younger colleagues before I left",
            "turned a hobby into a small business after retiring",
        ),
    ),
    Persona(
        "housing",
        2,
        ("housing", "personal-finance", "relocation", "law-rights"),
        ("estate agent", "architect", "property manager", "mortgage adviser", "builder"),
        (
            "a lettings agency",
            "an architecture practice",
            "a housing cooperative",
            "a building firm",
        ),
        (
            "helped {n} first-time buyers find a home",
            "managed more than {n} rental flats",
            "renovated {few} old houses",
            "sat on the board of {workplace}",
        ),
    ),
)

# Feats from life rather than work, by category: a mentor may list one such topic.
LIFE_FEATS: dict[str, tuple[str, ...]] = {
    "family": (
        "raised {few} children while working full time",
        "brought up two teenagers who still talk to me, most days",
    ),
    "relationships": (
        "learned to argue better the hard way, with my partner of {yrs} years",
        "worked through a long rough patch in my own relationship",
    ),
    "relocation": (
        "moved countries {few} times, twice with children",
        "relocated on my own with two suitcases and no job",
    ),
    "immigration": (
        "went through the residence permit process myself, twice",
        "became a citizen of my second country after {yrs} years",
    ),
    "grief": (
        "lost my father young and have supported friends through loss since",
        "volunteered on a bereavement helpline for {yrs} years",
    ),
    "caregiving": (
        "cared for a parent with dementia for {yrs} years",
        "combined a full-time job with caring for a disabled sibling",
    ),
    "health": (
        "learned to live and work with a chronic condition",
        "fixed my own sleep after years of insomnia",
    ),
    "mental-wellbeing": (
        "recovered from burnout and rebuilt a calmer working life",
        "trained as a peer-support volunteer",
    ),
    "fitness": (
        "ran {few} marathons after starting in my forties",
        "came back to sport after a knee reconstruction",
    ),
    "nutrition": (
        "cooked family meals on a tight budget for {yrs} years",
        "went plant-based without my family noticing",
    ),
    "language-learning": (
        "learned two languages as an adult",
        "passed a C1 exam in my third language",
    ),
    "housing": (
        "bought, renovated and sold two flats",
        "ran a shared house of six people for {yrs} years",
    ),
    "personal-finance": (
        "built an emergency fund from zero on a modest salary",
        "started investing with small monthly amounts {yrs} years ago",
    ),
    "money-debt": ("paid off my own credit card debt in three years",),
    "divorce": ("went through a divorce and learned to co-parent two children amicably",),
    "dating": ("met my partner online after a long break from dating",),
    "marriage": ("stayed married {yrs} years through three moves and two children",),
    "friendship": ("rebuilt a circle of friends from scratch after moving cities",),
    "creativity-arts": ("showed my paintings in {few} local exhibitions",),
    "writing": ("published short stories in several literary magazines",),
    "community-volunteering": ("ran our neighbourhood association for {yrs} years",),
    "education-choices": ("helped my children through very different school paths",),
}
