"""The cast and scenery of the demo company, Meridian Telecom, as plain data.

Kept apart from the generator so the story can be read (and argued with) in one place:
four business units, sixteen teams — four of each kind the steering committee must learn
to spot — two journeys of 14 and 12 stages, their touchpoints, five objectives and the goals
each team pursues. `cxos.demo.company` turns this into dated rows.
"""

from __future__ import annotations

from dataclasses import dataclass

PERFORMING, ASPIRATIONAL, COMPLIANT, SILOED = "performing", "aspirational", "compliant", "siloed"

# What a team did since the last steering review (six weeks before the story's day).
STEADY = "steady"  # works as it always has
RECOVERING = "recovering"  # resumed check-ins, posted readings, finished overdue actions
REBOUNDING = "rebounding"  # let its work lapse after review 1, recovered after review 2
SLIPPING = "slipping"  # stopped checking in and posting readings; actions fell overdue


@dataclass(frozen=True)
class TeamPlan:
    key: str
    name: str
    unit: str
    kind: str  # the quadrant the story puts the team in at the last review
    pulse: str  # "recent", "restarted" (lapsed, run again after review 1's decision) or "never"
    turn: str = STEADY  # what changed since the last review


@dataclass(frozen=True)
class GoalPlan:
    team: str
    title: str
    objective: str
    metric: str
    unit: str
    direction: str
    baseline: float
    target: float
    cadence: int


UNITS = {
    "consumer": "Consumer Mobile",
    "home": "Home Broadband",
    "business": "Business Solutions",
    "shared": "Shared Services",
}

TEAMS = (
    TeamPlan("dsales", "Digital Sales", "consumer", PERFORMING, "recent"),
    TeamPlan("retail", "Retail Stores", "consumer", ASPIRATIONAL, "recent"),
    TeamPlan("mcare", "Mobile Care", "consumer", PERFORMING, "recent"),
    TeamPlan("mbill", "Mobile Billing", "consumer", COMPLIANT, "restarted"),
    TeamPlan("bbsales", "Broadband Sales", "home", SILOED, "recent"),
    TeamPlan("field", "Field Installation", "home", COMPLIANT, "recent"),
    TeamPlan("netops", "Network Operations", "home", SILOED, "recent"),
    TeamPlan("bbcare", "Broadband Care", "home", ASPIRATIONAL, "recent", REBOUNDING),
    TeamPlan("entsales", "Enterprise Sales", "business", PERFORMING, "recent"),
    TeamPlan("accmgmt", "Account Management", "business", ASPIRATIONAL, "recent"),
    TeamPlan("bizsup", "Business Support", "business", COMPLIANT, "recent", SLIPPING),
    TeamPlan("svcdel", "Service Delivery", "business", SILOED, "recent", RECOVERING),
    TeamPlan("itplat", "IT Platforms", "shared", COMPLIANT, "restarted"),
    TeamPlan("mktg", "Marketing", "shared", ASPIRATIONAL, "recent"),
    TeamPlan("logis", "Logistics", "shared", SILOED, "never"),
    TeamPlan("collect", "Credit & Collections", "shared", PERFORMING, "recent", SLIPPING),
)

# Why a team turned, in its own words: the note on its first check-in after the turn
# (recovering, rebounding) or on its last one before it (slipping).
TURN_NOTES = {
    "bbcare": "Recovery plan published: back on weekly check-ins and readings, "
    "overdue actions first.",
    "svcdel": "New head: weekly check-ins and readings from today, overdue actions first.",
    "collect": "Key person on leave from next week; nobody named to cover the check-ins.",
    "bizsup": "Team moved onto the billing migration; CX actions on hold until it ends.",
}
# Why a rebounding team let its work lapse after review 1: its last check-in before.
SLIP_NOTES = {
    "bbcare": "Half the team lent to the broadband outage backlog; check-ins paused.",
}

OBJECTIVES = {
    "effortless": (
        "Effortless service",
        "Customers get what they need in one contact, on the channel they chose.",
    ),
    "transparent": (
        "Transparent bills and offers",
        "No customer is ever surprised by a bill, a price or a contract term.",
    ),
    "reliable": (
        "A network you can rely on",
        "Customers hear about problems from us first, and rarely have any.",
    ),
    "first_time": (
        "Right first time",
        "Orders, installations and first bills work the first time, every time.",
    ),
    "loyal": (
        "Customers who stay because they want to",
        "We keep customers by serving them well, not by making leaving hard.",
    ),
}

# (journey key, journey name, [(phase, stage, [(touchpoint, layer, channel, owner team)])])
F, ON, B = "front_stage", "on_stage", "back_stage"
Touchpoint = tuple[str, str, str | None, str]
Stage = tuple[str, str, list[Touchpoint]]
JOURNEYS: tuple[tuple[str, str, list[Stage]], ...] = (
    (
        "consumer",
        "Consumer journey",
        [
            (
                "Discover",
                "Become aware",
                [
                    ("TV and online ads", F, "media", "mktg"),
                    ("Social media", F, "social", "mktg"),
                    ("Brand campaigns", ON, None, "mktg"),
                ],
            ),
            (
                "Discover",
                "Research options",
                [
                    ("Website plan pages", F, "web", "dsales"),
                    ("Store advice", F, "store", "retail"),
                    ("Content management", B, None, "itplat"),
                ],
            ),
            (
                "Buy",
                "Compare offers",
                [
                    ("Price comparison tool", F, "web", "dsales"),
                    ("Sales advisors", ON, "store", "retail"),
                    ("Broadband availability checker", F, "web", "bbsales"),
                ],
            ),
            (
                "Buy",
                "Choose a plan",
                [
                    ("Online configurator", F, "web", "dsales"),
                    ("In-store sales", ON, "store", "retail"),
                    ("Broadband sales line", F, "phone", "bbsales"),
                ],
            ),
            (
                "Buy",
                "Place the order",
                [
                    ("Checkout", F, "web", "dsales"),
                    ("Credit check", B, None, "collect"),
                    ("Order management system", B, None, "itplat"),
                ],
            ),
            (
                "Get started",
                "Delivery",
                [
                    ("Courier delivery", ON, None, "logis"),
                    ("Warehouse picking", B, None, "logis"),
                    ("Click and collect", F, "store", "retail"),
                ],
            ),
            (
                "Get started",
                "Installation and activation",
                [
                    ("Engineer visit", ON, "home visit", "field"),
                    ("SIM activation", B, None, "itplat"),
                    ("Line provisioning", B, None, "netops"),
                ],
            ),
            (
                "Get started",
                "First bill",
                [
                    ("First bill", F, "app", "mbill"),
                    ("Billing engine", B, None, "itplat"),
                    ("Welcome call", ON, "phone", "mcare"),
                ],
            ),
            (
                "Use",
                "Use the service",
                [
                    ("Mobile network", B, None, "netops"),
                    ("My Meridian app", F, "app", "dsales"),
                    ("Network status page", F, "web", "netops"),
                ],
            ),
            (
                "Use",
                "Get help",
                [
                    ("Call centre", F, "phone", "mcare"),
                    ("Chat", F, "chat", "mcare"),
                    ("Broadband support line", F, "phone", "bbcare"),
                    ("Technician dispatch", B, None, "field"),
                ],
            ),
            (
                "Use",
                "Pay the bill",
                [
                    ("Direct debit", B, None, "mbill"),
                    ("Payment reminders", ON, "email", "collect"),
                    ("Bill explanation", ON, "phone", "mcare"),
                ],
            ),
            (
                "Change",
                "Upgrade or add",
                [
                    ("Upgrade offers", ON, "email", "mktg"),
                    ("Upgrade in store", F, "store", "retail"),
                    ("Online upgrade", F, "web", "dsales"),
                ],
            ),
            (
                "Change",
                "Move home",
                [
                    ("Moving service", F, "phone", "bbcare"),
                    ("Home move installation", ON, "home visit", "field"),
                    ("Address change", B, None, "itplat"),
                ],
            ),
            (
                "Stay or leave",
                "Renew or leave",
                [
                    ("Retention team", ON, "phone", "mcare"),
                    ("Cancellation", B, None, "mbill"),
                    ("Final bill collection", B, None, "collect"),
                ],
            ),
        ],
    ),
    (
        "business",
        "Business journey",
        [
            (
                "Engage",
                "Identify a need",
                [
                    ("Industry events", ON, "events", "mktg"),
                    ("Business website", F, "web", "entsales"),
                ],
            ),
            (
                "Engage",
                "Request a proposal",
                [
                    ("Bid team", ON, "email", "entsales"),
                    ("Solution design", B, None, "svcdel"),
                ],
            ),
            (
                "Contract",
                "Negotiate",
                [
                    ("Pricing desk", B, None, "entsales"),
                    ("Credit vetting", B, None, "collect"),
                ],
            ),
            (
                "Contract",
                "Sign the contract",
                [
                    ("E-signature portal", F, "web", "entsales"),
                    ("Contract management", B, None, "accmgmt"),
                ],
            ),
            (
                "Onboard",
                "Provision services",
                [
                    ("Provisioning", B, None, "svcdel"),
                    ("Circuit build", B, None, "netops"),
                ],
            ),
            (
                "Onboard",
                "Migrate users",
                [
                    ("Migration project", ON, "on site", "svcdel"),
                    ("Device logistics", B, None, "logis"),
                ],
            ),
            (
                "Onboard",
                "First invoice",
                [
                    ("Business invoice", F, "portal", "bizsup"),
                    ("Business billing engine", B, None, "itplat"),
                ],
            ),
            (
                "Operate",
                "Report an incident",
                [
                    ("Business service desk", F, "phone", "bizsup"),
                    ("Incident management", B, None, "netops"),
                ],
            ),
            (
                "Operate",
                "Review the service",
                [
                    ("Quarterly business review", ON, "meeting", "accmgmt"),
                    ("Service reports", F, "portal", "accmgmt"),
                ],
            ),
            (
                "Operate",
                "Pay invoices",
                [
                    ("Invoice disputes", ON, "email", "bizsup"),
                    ("Business collections", B, None, "collect"),
                ],
            ),
            (
                "Grow",
                "Expand services",
                [
                    ("Account planning", ON, "meeting", "accmgmt"),
                    ("Upsell offers", ON, "email", "entsales"),
                ],
            ),
            (
                "Grow",
                "Renew the contract",
                [
                    ("Renewal desk", ON, "phone", "accmgmt"),
                    ("Contract exit", B, None, "bizsup"),
                ],
            ),
        ],
    ),
)


# team | goal | objective | metric | unit | direction | baseline | target | cadence days
_GOAL_TABLE = """
dsales | Make online buying effortless | effortless | Online checkout conversion | % | higher | 2.1 | 3.5 | 7
dsales | Clear plan comparison | transparent | Plan page NPS | pts | higher | 12 | 30 | 30
dsales | Fewer abandoned orders | first_time | Abandoned orders | % | lower | 38 | 25 | 7
retail | Stores that advise, not sell | loyal | Store visit satisfaction | /10 | higher | 7.1 | 8.5 | 30
retail | Smooth click and collect | first_time | Collection wait time | min | lower | 14 | 5 | 7
retail | Upgrades done in one visit | effortless | One-visit upgrades | % | higher | 61 | 85 | 30
mcare | Resolve on first contact | effortless | First-contact resolution | % | higher | 68 | 80 | 7
mcare | Explain every first bill | transparent | First-bill calls | per 1k | lower | 48 | 30 | 30
mcare | Save customers who want to leave | loyal | Retention save rate | % | higher | 22 | 35 | 30
mbill | Bills without surprises | transparent | Bill shock complaints | per 10k | lower | 12 | 5 | 30
mbill | Accurate first bills | first_time | First-bill errors | % | lower | 3.2 | 1 | 30
mbill | Painless final bills | loyal | Final bill disputes | per 1k | lower | 9 | 4 | 30
bbsales | Honest speed promises | transparent | Speed complaints in 30 days | per 1k | lower | 25 | 10 | 30
bbsales | Faster broadband orders | first_time | Order to install | days | lower | 14 | 7 | 7
field | Installs done first time | first_time | Right-first-time installs | % | higher | 78 | 92 | 7
field | On-time engineer visits | effortless | Visits on time | % | higher | 81 | 95 | 7
field | Home moves on the promised date | loyal | Home-move installs on date | % | higher | 70 | 90 | 30
netops | Fewer outages | reliable | Outage minutes per line | min | lower | 42 | 20 | 30
netops | Tell customers before they call | reliable | Proactive outage alerts | % | higher | 20 | 75 | 30
bbcare | Fix broadband on the first call | effortless | Broadband first-contact resolution | % | higher | 55 | 75 | 7
bbcare | Easy home moves | loyal | Move-home NPS | pts | higher | -5 | 20 | 30
bbcare | Shorter waits on the support line | effortless | Average wait | s | lower | 420 | 120 | 7
entsales | Proposals in five days | first_time | Proposal lead time | days | lower | 12 | 5 | 30
entsales | Clear business pricing | transparent | Pricing queries per deal | count | lower | 4 | 1 | 30
entsales | Win on the customer's needs | loyal | Win rate | % | higher | 24 | 32 | 30
accmgmt | Quarterly reviews that matter | loyal | QBR satisfaction | /10 | higher | 6.2 | 8.5 | 30
accmgmt | Renewals without drama | loyal | Renewal rate | % | higher | 82 | 92 | 30
accmgmt | A growth plan for every account | effortless | Accounts with a growth plan | % | higher | 30 | 80 | 30
bizsup | One-touch incident logging | effortless | Incidents logged on first contact | % | higher | 70 | 90 | 7
bizsup | Invoices right first time | transparent | Invoice disputes | per 100 | lower | 6 | 2 | 30
bizsup | Quick contract exits | loyal | Contract exit time | days | lower | 45 | 20 | 30
svcdel | Provision on the promised date | first_time | On-time provisioning | % | higher | 64 | 90 | 30
svcdel | Painless user migrations | first_time | Migration incidents | count | lower | 18 | 5 | 30
itplat | A billing engine that never misses | reliable | Billing run failures | count | lower | 6 | 1 | 30
itplat | Fast order systems | first_time | Order API p95 | ms | lower | 1800 | 600 | 7
itplat | Self-service address change | effortless | Address changes self-served | % | higher | 35 | 70 | 30
mktg | Promises we can keep | transparent | Campaign claims challenged | count | lower | 5 | 0 | 30
mktg | Upgrade offers customers want | loyal | Upgrade offer uptake | % | higher | 3 | 6 | 30
mktg | One voice across channels | effortless | Brand consistency score | pts | higher | 55 | 80 | 30
logis | Deliveries on the promised day | first_time | On-time deliveries | % | higher | 88 | 97 | 7
logis | The right device, first time | first_time | Wrong-item shipments | per 1k | lower | 7 | 2 | 30
collect | Fair payment reminders | transparent | Reminder complaints | per 10k | lower | 9 | 3 | 30
collect | Credit decisions in a minute | first_time | Credit decision time | s | lower | 240 | 60 | 7
collect | Collections that keep customers | loyal | Customers kept after arrears | % | higher | 55 | 70 | 30
"""


def _goal_plans(table: str) -> tuple[GoalPlan, ...]:
    plans = []
    for line in table.strip().splitlines():
        team, title, objective, metric, unit, direction, base, target, days = (
            cell.strip() for cell in line.split("|")
        )
        plan = GoalPlan(
            team, title, objective, metric, unit, direction, float(base), float(target), int(days)
        )
        plans.append(plan)
    return tuple(plans)


GOALS = _goal_plans(_GOAL_TABLE)

# Goals that ended before the story's date: history for trends, out of scope today.
PAST_GOALS = (
    ("mcare", "Launch chat support", "effortless", "achieved"),
    ("dsales", "New website launch", "first_time", "achieved"),
    ("netops", "5G rollout phase one", "reliable", "achieved"),
    ("retail", "Store refit programme", "loyal", "dropped"),
)

# Issue 25's story (cxos/insights): one stage whose pain is obvious, one action that
# worked and one that did not. The pain: the direct debit taken twice, dozens of times in
# the last quarter (more than the quarter before), each refunded and closed with a
# response while the cause stays; "Pay the bill" tops the opportunity backlog.
PAIN_TOUCHPOINT = "Direct debit"
PAIN_RESPONSE = "Refunded the second payment; the cause is not fixed yet."
PAIN_RECENT, PAIN_BEFORE = 20, 5
# (past goal's index in PAST_GOALS, metric, unit, baseline, target, the metric's readings
# as (days from the story's day, value), the action, its days created, due and completed).
# Chat support's routing worked: first-contact resolution rose after it. The new
# website's checkout did not: completed orders fell back after it.
PAST_ACTIONS = (
    (
        1,
        "Chats resolved in one go",
        "%",
        55.0,
        75.0,
        ((-400, 55.0), (-330, 57.0), (-250, 70.0), (-215, 72.0)),
        "Route chats to trained agents",
        -320,
        -270,
        -275,
    ),
    (
        2,
        "Orders completed online",
        "%",
        40.0,
        60.0,
        ((-400, 40.0), (-330, 42.0), (-250, 41.0), (-215, 39.0)),
        "Launch the new checkout",
        -320,
        -270,
        -272,
    ),
)

ACTION_VERBS = (
    "Map the root causes of",
    "Pilot a fix for",
    "Train the team on",
    "Automate reporting of",
    "Run customer interviews on",
    "Redesign the process behind",
    "Agree hand-offs for",
    "Publish a playbook for",
)

# What customers say, chosen where they say it: a complaint per touchpoint (it names what
# that touchpoint does), and praise and a neutral remark per stage (true of any of its
# touchpoints). `cxos.demo.company` picks a feedback row's text from its own touchpoint
# and stage only, so a complaint about a payment reminder never lands on "Identify a need".
COMPLAINTS = {
    "TV and online ads": "The advert promised unlimited data, but the small print says otherwise.",
    "Social media": "I asked a question on your page and got a copy-pasted answer a week later.",
    "Brand campaigns": "Your campaign says 'no surprises', then my price went up mid-contract.",
    "Website plan pages": "The plan pages do not say which phones are included.",
    "Store advice": "The store advisor could not tell me the difference between two plans.",
    "Content management": "The website still shows last month's prices.",
    "Price comparison tool": "The comparison tool left out the plan I was already on.",
    "Sales advisors": "The advisor in store pushed the most expensive plan.",
    "Broadband availability checker": "The checker said fibre was available; it was not.",
    "Online configurator": "The configurator reset every choice when I changed the colour.",
    "In-store sales": "The plan I signed for in store was not the one on my contract.",
    "Broadband sales line": "The sales line quoted one speed and the contract another.",
    "Checkout": "Checkout failed at the payment step three times.",
    "Credit check": "My order was refused on a credit check and nobody told me why.",
    "Order management system": "My order disappeared; the confirmation number is unknown.",
    "Courier delivery": "The app said my order was delivered, but nothing arrived.",
    "Warehouse picking": "The box held the wrong phone model.",
    "Click and collect": "I came to collect my order and the store had no record of it.",
    "Engineer visit": "The engineer never turned up and nobody called to say why.",
    "SIM activation": "My new SIM took four days to activate.",
    "Line provisioning": "The line was still not live a week after the installation.",
    "First bill": "My first bill was twice what the sales advisor promised.",
    "Billing engine": "I was billed for a full month although I joined on the 25th.",
    "Welcome call": "The welcome call was a sales pitch, not a welcome.",
    "Mobile network": "I lose signal every evening at home.",
    "My Meridian app": "The app logs me out every time I open it.",
    "Network status page": "The status page said all was fine during a two-hour outage.",
    "Call centre": "Waited forty minutes on the phone and was cut off before anyone answered.",
    "Chat": "Chat closed my conversation while I was still typing.",
    "Broadband support line": "I explained my broadband fault three times to three people.",
    "Technician dispatch": "The technician came without the part he needed and left.",
    "Direct debit": "The direct debit was taken twice this month.",
    "Payment reminders": "The payment reminder was threatening although I had already paid.",
    "Bill explanation": "Nobody could explain the extra charges on my bill.",
    "Upgrade offers": "I get upgrade emails for phones that cost more than I pay now.",
    "Upgrade in store": "The store upgrade took two hours and my contacts were lost.",
    "Online upgrade": "The online upgrade offered me less than the store did.",
    "Moving service": "Moving house meant two weeks without internet.",
    "Home move installation": "The engineer came to my old address on moving day.",
    "Address change": "I changed my address online and the bill still went to the old one.",
    "Retention team": "The retention team kept me on the phone for an hour to stop me leaving.",
    "Cancellation": "Cancelling took four calls and I was still charged the next month.",
    "Final bill collection": "A collection agency wrote about a final bill I never received.",
    "Industry events": "Your stand at the trade fair was all sales talk, no listening.",
    "Business website": "The business website has no prices and no way to ask a question.",
    "Bid team": "The proposal arrived a day after our deadline.",
    "Solution design": "The proposed design ignored our two smaller offices.",
    "Pricing desk": "The price changed three times during the negotiation.",
    "Credit vetting": "Credit vetting held the deal up for three weeks.",
    "E-signature portal": "The e-signature link expired before our director could sign.",
    "Contract management": "The signed contract does not match what we agreed.",
    "Provisioning": "Our lines went live two weeks after the promised date.",
    "Circuit build": "The circuit build was delayed twice without notice.",
    "Migration project": "The migration weekend left half our staff without email on Monday.",
    "Device logistics": "Thirty laptops arrived at the wrong office.",
    "Business invoice": "The invoice lists services we never ordered.",
    "Business billing engine": "Our first invoice charged the full year up front.",
    "Business service desk": "The service desk logged our incident only on the second call.",
    "Incident management": "Nobody told us about the outage; we found out from our customers.",
    "Quarterly business review": "The quarterly review was a slide show about your products.",
    "Service reports": "The service report is two months late again.",
    "Invoice disputes": "Our invoice dispute has been open for three months.",
    "Business collections": "Collections chased an invoice we had disputed in writing.",
    "Account planning": "Our account manager changed three times this year.",
    "Upsell offers": "We keep getting offers for services we already have.",
    "Renewal desk": "The renewal quote was higher than a new customer's price.",
    "Contract exit": "Leaving the contract took four months of paperwork.",
}

# stage: (praise, neutral remark)
REMARKS = {
    "Become aware": (
        "Your adverts are the first I have seen that show the real monthly price.",
        "I saw the campaign but was not sure what was on offer.",
    ),
    "Research options": (
        "Everything I needed to choose was on one page.",
        "Plenty of information, though it took a while to find.",
    ),
    "Compare offers": (
        "Web and store gave me the same price. That is rare.",
        "The comparison was fine but I had to ask about extras.",
    ),
    "Choose a plan": (
        "The advisor helped me pick a cheaper plan that suits me better.",
        "Choosing took a while, but I got there.",
    ),
    "Place the order": (
        "Ordering online took five minutes, really easy.",
        "The order went through; the confirmation email came a day later.",
    ),
    "Delivery": (
        "Delivered the next morning as promised.",
        "Delivery was fine but the box was hard to open.",
    ),
    "Installation and activation": (
        "Installation was quick and the engineer explained everything.",
        "Activation worked, after a restart.",
    ),
    "First bill": (
        "Clear first bill, no surprises.",
        "The first bill was right but hard to read.",
    ),
    "Use the service": (
        "I got a text about the outage before I even noticed it.",
        "Service is fine most days.",
    ),
    "Get help": (
        "The advisor solved everything in one call. Thank you!",
        "Help was slow to start but got there in the end.",
    ),
    "Pay the bill": (
        "Paying is easy and the reminder came at the right time.",
        "Payment went through; the receipt took a few days.",
    ),
    "Upgrade or add": (
        "The store team helped me move my contacts to the new phone.",
        "The upgrade worked, though the offer was hard to find.",
    ),
    "Move home": (
        "Connected at the new address on moving day.",
        "The move went through, with a few calls to chase it.",
    ),
    "Renew or leave": (
        "They offered a fair deal without pressure, so I stayed.",
        "Renewing was straightforward but slow.",
    ),
    "Identify a need": (
        "Your team listened to our needs at the event before pitching anything.",
        "Useful first conversation; we will follow up next quarter.",
    ),
    "Request a proposal": (
        "The proposal came in five days and answered every question.",
        "The proposal was thorough, if long.",
    ),
    "Negotiate": (
        "Pricing was clear and stayed the same throughout.",
        "The negotiation took longer than planned but ended well.",
    ),
    "Sign the contract": (
        "Signing online took minutes.",
        "Signing was fine once the right person had the link.",
    ),
    "Provision services": (
        "Every site went live on the promised date.",
        "Provisioning finished a few days late, with notice.",
    ),
    "Migrate users": (
        "The migration weekend went without a hitch.",
        "The migration worked; a few users needed help on Monday.",
    ),
    "First invoice": (
        "The first invoice matched the contract line by line.",
        "The first invoice was right but arrived late.",
    ),
    "Report an incident": (
        "The incident was logged and fixed within the hour.",
        "The incident was fixed, though updates were sparse.",
    ),
    "Review the service": (
        "The quarterly review started with our data and was genuinely useful.",
        "The quarterly review was useful but ran long.",
    ),
    "Pay invoices": (
        "Our billing question was answered the same day.",
        "Invoices are correct; the portal is a little slow.",
    ),
    "Expand services": (
        "The growth plan our account manager drew up fits our needs.",
        "The new offer is interesting; we are still deciding.",
    ),
    "Renew the contract": (
        "Renewal was simple and the price fair.",
        "The renewal went through after a few reminders.",
    ),
}

CHAMPION_NOTES = (
    (
        "Get help",
        "Daily huddle on repeat callers",
        "Mobile Care reviews every customer who called twice in 48 hours at a 10-minute "
        "huddle each morning. First-contact resolution went up four points in six weeks.",
        "first-contact;huddle",
    ),
    (
        "First bill",
        "Welcome call before the first bill",
        "Calling new customers two days before their first bill cut first-bill calls by a "
        "third. The script is in the shared drive.",
        "billing;onboarding",
    ),
    (
        "Installation and activation",
        "Engineer arrival texts",
        "A text with the engineer's photo and a live arrival time halved missed visits.",
        "field;communication",
    ),
    (
        "Move home",
        "Home moves need one owner",
        "Broadband Care and Field Installation both own a piece of home moves and nobody owns "
        "the whole. We tried a single case owner for ten moves: all connected on the day.",
        "handoff;silo",
    ),
    (
        "Delivery",
        "Delivery and stores do not talk",
        "Click-and-collect orders arrive in stores without notice. Logistics has no goal with "
        "Retail; this needs the steering committee.",
        "handoff;escalate",
    ),
    (
        "Request a proposal",
        "Five-day proposals",
        "Enterprise Sales templates the ten most common solutions; proposals now average six days.",
        "templates",
    ),
    (
        "Review the service",
        "QBRs with customer data first",
        "Starting quarterly reviews with the customer's own incident data made them shorter and "
        "more useful.",
        "qbr;data",
    ),
    (
        "Use the service",
        "Proactive outage alerts",
        "Network Operations pilots alerts before customers call; call volumes on outage days "
        "dropped 20% in the pilot region.",
        "proactive;network",
    ),
    (
        "Pay invoices",
        "Dispute root causes",
        "Most invoice disputes come from one pricing rule in the business billing engine.",
        "billing;root-cause",
    ),
    (
        "Compare offers",
        "One price everywhere",
        "Web and stores now read prices from the same catalogue, so quotes match.",
        "pricing;consistency",
    ),
    (
        "Renew or leave",
        "Retention without pressure",
        "Customers told 'here is what we can do' rather than 'you cannot leave' stayed more often.",
        "retention",
    ),
    (
        "Identify a need",
        "Events that listen",
        "At industry events we now run listening tables instead of sales pitches.",
        "events",
    ),
)

FIRST_NAMES = (
    "Alex",
    "Priya",
    "Dana",
    "Sam",
    "Jordan",
    "Maria",
    "Tom",
    "Aisha",
    "Lukas",
    "Mei",
    "Omar",
    "Sofia",
    "Ravi",
    "Elena",
    "Kwame",
    "Nina",
    "Jonas",
    "Fatima",
    "Leo",
    "Chloe",
    "Hiro",
    "Ines",
    "Marek",
    "Zara",
    "Pablo",
    "Grace",
    "Ivan",
    "Lea",
    "Noah",
    "Amara",
)
LAST_NAMES = (
    "Morgan",
    "Shah",
    "Lee",
    "Okafor",
    "Berg",
    "Garcia",
    "Novak",
    "Khan",
    "Weber",
    "Chen",
    "Haddad",
    "Rossi",
    "Iyer",
    "Petrova",
    "Mensah",
    "Larsen",
    "Dubois",
    "Silva",
    "Tanaka",
    "Costa",
    "Nowak",
    "Brennan",
    "Kowalski",
    "Ahmed",
    "Ortiz",
    "Fischer",
    "Murphy",
    "Sato",
)
