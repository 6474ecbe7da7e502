"""The words users read for the codes of SPEC §2–§4, and what each term means in plain words.

The JSON of the command line keeps its codes (SPEC §6 is an interface) and the register workbook
its SPEC §5 column names; the windows and the Excel reports say `cancel by`, `initial term`,
`tacit renewal`. Definitions are short enough for a tooltip; app/ui/glossary.py shows them, the
user guide (resources/guide/) says the same at length.
"""

from __future__ import annotations

STATUS_WORDS = {
    "not_started": "not started",
    "active": "active",
    "terminating": "terminating",
    "terminated": "terminated",
    "expired": "expired",
}
RENEWAL_WORDS = {
    "none": "no renewal",
    "auto": "tacit renewal",
    "option": "renewal option",
    "evergreen": "evergreen",
}
DEADLINE_WORDS = {"cancel_by": "cancel by", "exercise_by": "exercise by", "end": "ends"}
CLAUSE_STATUS_WORDS = {
    "orphaned": "orphaned",
    "at_risk": "at risk",
    "single": "single owner",
    "covered": "covered",
}
DIRECTION_WORDS = {"higher": "higher is better", "lower": "lower is better"}
ORPHAN_REASON_WORDS = {
    "never_owned": "nobody ever knew it",
    "owners_left": "everyone who knew it has left",
    "stale": "knowledge not re-checked in time",
}
ACTION_WORDS = {  # what a successor would do (SPEC §3a)
    "reverify": "re-check what they know",
    "deepen": "deepen what they have read",
    "learn": "learn it (knows the contract)",
}

DEFINITIONS: dict[str, str] = {
    # contract status (SPEC §2)
    "not_started": "Signed, but its start date is still ahead. Its first deadline already counts.",
    "active": "In force on the as-of date, with no notice of termination given.",
    "terminating": "Notice of termination was given; the contract is still in force until it "
                   "ends.",
    "terminated": "Notice of termination was given and the contract has ended.",
    "expired": "The contract ran out at the end of its last term.",
    # renewal types
    "none": "The contract ends after its initial term; there is nothing to decide.",
    "auto": "Tacit renewal: the contract renews by itself at the end of each term unless notice "
            "is given by the cancel-by date.",
    "option": "Renewal option: the contract ends at the end of the term unless you exercise an "
              "option to renew by the exercise-by date.",
    "evergreen": "Runs until someone gives notice; it then ends after the notice period (not "
                 "before a minimum term, if there is one).",
    # dates
    "cancel_by": "Cancel-by date: the last day to give notice so that a tacitly renewing "
                 "contract does not renew for another term (end of the term minus the notice "
                 "period).",
    "exercise_by": "Exercise-by date: the last day to exercise a renewal option; after it the "
                   "option lapses and the contract ends at the end of the term.",
    "end": "The last day the contract is in force if nothing more is done.",
    "deadline": "The next date that needs a decision: cancel-by, exercise-by, or the end date "
                "when there is neither.",
    "days_left": "Days from the as-of date to the deadline (negative once it has passed).",
    "ends_on": "The last day the contract is in force if nothing more is done; empty for a "
               "contract that renews without limit or runs until notice.",
    "earliest_end": "The earliest last day you can still reach by giving notice on the as-of "
                    "date.",
    "term": "A contract runs in terms: the initial term, then one renewal term after another. "
            "All dates are counted from the start date.",
    "initial_term": "The first term of a contract, from its start date.",
    "notice": "The notice period: how long before the end of a term notice must be given.",
    "missed_notice": "Missed notice: the cancel-by date of the current term has passed, so the "
                     "next renewal is locked in (or, for an option, the option lapsed).",
    "needs_review": "Needs review: the initial term is unknown, so no deadline can be computed. "
                    "Enter the initial term.",
    "escalated": "Escalated: a decision is due within 90 days and the contract has a critical "
                 "clause (criticality 4 or 5) that nobody in-house understands.",
    "as_of": "Every figure is computed as of this date. Set another date to see the portfolio "
             "as it will stand then.",
    "reminder_days": "How many days before the deadline reminders are due (e.g. 180,90,30,7).",
    # knowledge (SPEC §3)
    "orphaned": "Orphaned: nobody in-house currently understands this clause well enough (nobody "
                "ever did, everyone who did has left, or their knowledge was not re-checked in "
                "time).",
    "at_risk": "At risk: everyone who understands this clause leaves within the leaving window "
               "(90 days by default).",
    "single": "Single owner: exactly one person understands this clause.",
    "covered": "Covered: two or more people understand this clause.",
    "stale": "Stale: the person's knowledge of the clause was last checked too long ago (24 "
             "months by default) and needs a re-check.",
    "coverage": "Coverage: the share of the clauses' weight (criticality) that somebody in-house "
                "understands. 100% means no orphaned clause.",
    "truck_factor": "Truck factor: how many people could leave (the most knowledgeable first) "
                    "before more than half of the critical knowledge is orphaned. 1 means one "
                    "departure is enough.",
    "criticality": "How much a clause matters, from 1 (minor) to 5 (critical).",
    "successor": "Someone in-house who could take over a clause: re-check it, deepen what they "
                 "know, or learn it.",
    # SLAs (SPEC §4)
    "compliance": "Compliance: the share of measured periods that met the SLA target.",
    "breached": "Breached: a period whose measurement missed the target; it earns a service "
                "credit.",
    "missing": "Missing: a period that has ended without a measurement.",
    "service_credit": "Service credit: money the vendor owes for a breached period (a share of "
                      "the period fee, capped per month when a cap is set).",
    "outstanding": "Outstanding: credits due that have not been received yet.",
    "claim_by": "Claim-by date: the last day to claim a month's credits (month end plus the "
                "contract's claim days).",
    "lost": "Lost: credits still outstanding after the claim-by date.",
}


def words(code: str | None, table: dict[str, str]) -> str:
    """The user's word for a code (the code itself when the table does not know it)."""
    if code is None:
        return ""
    return table.get(code, code.replace("_", " "))


def term_name(k: int | None) -> str:
    """What users call term k: "initial term" for term 0, else "term k"."""
    if k is None:
        return ""
    return "initial term" if k == 0 else f"term {k}"


def define(key: str) -> str:
    """The plain-words definition of `key` ("" when there is none)."""
    return DEFINITIONS.get(key, "")
