"""The two published news items (shared/seeds) recorded as structured data, in our own words.

Every fact of each article has a field: the date, the units, the topic, each side's positions in
the order they were taken, each commitment with its due date or trigger, what members should do,
the next steps and the advocates thanked.
"""

import datetime

from django.db import transaction

from sessions.models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Party,
    Position,
    Session,
    Topic,
)

COUNTY, UPE = Party.COUNTY, Party.UPE
K = Position.Kind

UNITS = {
    "005": "Bargaining Unit 005",
    "008": "Bargaining Unit 008",
}

TOPICS = {
    "CPS Restructure Pilot": {
        "units": ["008"],
        "description": "A pilot moving Jurisdictional and Dispositional Hearing duties between "
        "Child Protective Services social worker classifications.",
    },
    "CARES testing": {
        "units": ["005", "008"],
        "description": "Staff testing of CARES, the system that will replace CWS/CMS, and its "
        "training modules.",
    },
}

# Advocates by unit. Eric Booker's unit is not stated in the article; he spoke for the 005 and
# 008 staff at that session, and we record him with 005, the unit that had no other advocate there.
ADVOCATES = {
    "Jeannine Lopez": "008",
    "Sarah Singleton": "008",
    "Beverly Kearney": "008",
    "Lisa Stephney": "008",
    "Marisa Cisneros": "008",
    "Julie Wuest": "008",
    "Eric Booker": "005",
}

SESSIONS = [
    {
        "date": datetime.date(2020, 1, 17),
        "units": ["008"],
        "status": Session.Status.HELD,
        "summary": "The County briefed UPE on the CPS Restructure Pilot and its testing phase.",
        "next_steps": "UPE will meet the County again once the volunteers have completed their "
        "training, to discuss the pilot's progress and next steps.",
        "advocates": [
            "Jeannine Lopez",
            "Sarah Singleton",
            "Beverly Kearney",
            "Lisa Stephney",
            "Marisa Cisneros",
            "Julie Wuest",
        ],
        "agenda": [
            {
                "topic": "CPS Restructure Pilot",
                "title": "The pilot and its testing phase",
                "discussion": "How the pilot would move hearing duties between Emergency "
                "Response and Permanency social workers, and when testing would start.",
                "outcome": "The County agreed not to start testing before the volunteers have "
                "had report-writing training, and to begin with simple cases.",
                "member_guidance": "",
                "positions": [
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "Emergency Response social workers would take on "
                        "Jurisdictional Hearing duties and Permanency social workers would take on "
                        "Dispositional Hearing duties, to streamline how CPS cases are managed.",
                    ),
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "The first phase is a testing phase of about six "
                        "months, during which the County will survey families and gather feedback "
                        "from the workers, County Counsel and the court.",
                    ),
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "Training for the volunteers starts in the first week of February 2020.",
                    ),
                    (
                        UPE,
                        K.CONCERN,
                        "The County planned to go live with the new protocol while "
                        "the volunteers were still being trained.",
                    ),
                    (
                        COUNTY,
                        K.AGREEMENT,
                        "The testing phase will wait until the volunteers "
                        "have had report-writing training.",
                    ),
                    (COUNTY, K.RESPONSE, "Testing will start slowly, not with a complicated case."),
                ],
                "commitments": [
                    (
                        COUNTY,
                        "Hold the start of the pilot's testing phase until the volunteers "
                        "have completed report-writing training.",
                        None,
                        "after the volunteers finish report-writing training",
                    ),
                    (
                        COUNTY,
                        "Start the testing phase with simple cases rather than a complicated one.",
                        None,
                        "when the testing phase begins",
                    ),
                    (
                        COUNTY,
                        "Survey families and collect feedback from the workers, County "
                        "Counsel and the court.",
                        None,
                        "during the six-month testing phase",
                    ),
                    (
                        UPE,
                        "Meet with the County again to discuss the pilot's progress and next "
                        "steps.",
                        None,
                        "following the completion of the volunteers' training",
                    ),
                ],
            },
            {
                "topic": "CPS Restructure Pilot",
                "title": "Safety of workers in the field",
                "discussion": "Members would now work with families from whom they may have "
                "had to remove children.",
                "outcome": "The County offered no new precautions but is open to Emergency "
                "Response workers pairing in the field.",
                "member_guidance": "If you have a safety concern about going to a home, talk to "
                "your supervisor about pairing. If that does not work out, contact your "
                "Business Agent.",
                "positions": [
                    (
                        UPE,
                        K.CONCERN,
                        "Members will be responsible for working with families "
                        "whose children they may have had to remove, which puts their safety at "
                        "risk.",
                    ),
                    (
                        COUNTY,
                        K.RESPONSE,
                        "Safety is always a concern for workers, but the County "
                        "had nothing new to offer on precautions.",
                    ),
                    (
                        UPE,
                        K.COUNTER,
                        "The County needs to be proactive, not reactive, about safety.",
                    ),
                    (
                        UPE,
                        K.PROPOSAL,
                        "Emergency Response workers could pair up when they go out in the field.",
                    ),
                    (
                        COUNTY,
                        K.AGREEMENT,
                        "The County is open to Emergency Response workers pairing in the field.",
                    ),
                ],
                "commitments": [
                    (
                        COUNTY,
                        "Consider pairing Emergency Response workers when a worker raises "
                        "a safety concern about a home visit.",
                        None,
                        "when a worker raises a safety concern with their supervisor",
                    ),
                ],
            },
            {
                "topic": "CPS Restructure Pilot",
                "title": "Court Services social workers and the testing phase",
                "discussion": "Whether Court Services social workers would be brought into the "
                "pilot's testing phase.",
                "outcome": "UPE will be part of any discussion before changes affecting Court "
                "Services are made.",
                "member_guidance": "",
                "positions": [
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "The County is discussing bringing Court Services "
                        "social workers into the testing phase of the pilot.",
                    ),
                    (
                        UPE,
                        K.COUNTER,
                        "UPE must take part in those discussions before any change is made.",
                    ),
                ],
                "commitments": [
                    (
                        UPE,
                        "Work with the County to schedule meetings about Court Services, so "
                        "that there is no direct dealing and members' questions are answered "
                        "properly.",
                        None,
                        "before any change for Court Services social workers takes place",
                    ),
                ],
            },
        ],
    },
    {
        "date": datetime.date(2023, 9, 15),
        "units": ["005", "008"],
        "status": Session.Status.HELD,
        "summary": "The Department asked for Social Worker and Clerical staff to test CARES, "
        "the system that will replace CWS/CMS, and its training modules.",
        "next_steps": "UPE will send the County names of 005 and 008 staff. CARES goes into use "
        "in 2026 with or without Sacramento County staff input.",
        "advocates": ["Sarah Singleton", "Eric Booker"],
        "agenda": [
            {
                "topic": "CARES testing",
                "title": "Volunteer testers for CARES",
                "discussion": "Who would test CARES, for how long, and whether they would get "
                "any relief from their normal workload.",
                "outcome": "UPE finds the request unreasonable: testers are unlikely to be given "
                "time for it and must keep up with their own deadlines.",
                "member_guidance": "Think carefully before volunteering: you will probably not "
                "be given time for the testing, and you will still be expected to keep up with "
                "your own duties, such as home visits, chronos and court reports, and their hard "
                "deadlines.",
                "positions": [
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "The Department needs one to four (1-4) testers from "
                        "the Social Worker and Clerical classifications across programs, for three "
                        "to four (3-4) hours a week over two weeks, October 16 through October 29, "
                        "using fictitious data.",
                    ),
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "Volunteers must have permission from their supervisors "
                        "and program managers, be in case-carrying positions, and finish the "
                        "testing in the allotted time while keeping up their normal workload.",
                    ),
                    (
                        UPE,
                        K.COUNTER,
                        "The criteria look like a way to cherry-pick favorites, "
                        "whether or not they are union-affiliated.",
                    ),
                    (
                        UPE,
                        K.PROPOSAL,
                        "UPE offered to give the County names of union-affiliated "
                        "staff to choose from, to remove favoritism from the selection.",
                    ),
                    (
                        COUNTY,
                        K.REFUSAL,
                        "The County will not offer blanket workload relief to the testers.",
                    ),
                    (
                        COUNTY,
                        K.RESPONSE,
                        "Volunteers may ask their supervisors for workload "
                        "relief or overtime under the current overtime policy, with no guarantee "
                        "that they will get either.",
                    ),
                    (
                        UPE,
                        K.RESPONSE,
                        "That is unacceptable: the Department is understaffed, "
                        "members are overworked, and the Department is out of touch with both.",
                    ),
                ],
                "commitments": [
                    (
                        UPE,
                        "Give the County names of 005 and 008 staff who could test CARES.",
                        datetime.date(2023, 10, 16),
                        "",
                    ),
                ],
            },
        ],
    },
]


def upsert(model, lookup: dict, values: dict):
    """Like update_or_create, but saves (and writes history) only when something differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.save()
    return obj


@transaction.atomic
def load_demo() -> list[Session]:
    """Create or update the seed records; running it again changes nothing."""
    units = {
        code: upsert(BargainingUnit, {"code": code}, {"name": name}) for code, name in UNITS.items()
    }
    topics = {}
    for name, details in TOPICS.items():
        topic = upsert(Topic, {"name": name}, {"description": details["description"]})
        topic.units.set(units[code] for code in details["units"])
        topics[name] = topic
    advocates = {
        name: Advocate.objects.get_or_create(name=name, unit=units[code])[0]
        for name, code in ADVOCATES.items()
    }
    return [_load_session(data, units, topics, advocates) for data in SESSIONS]


def _load_session(data: dict, units: dict, topics: dict, advocates: dict) -> Session:
    first_topic = topics[data["agenda"][0]["topic"]]
    session = Session.objects.filter(date=data["date"], agenda_items__topic=first_topic).first()
    fields = {key: data[key] for key in ("status", "summary", "next_steps")}
    if session is None:
        session = Session.objects.create(date=data["date"], **fields)
    else:
        session = upsert(Session, {"pk": session.pk}, fields)
    session.units.set(units[code] for code in data["units"])
    for name in data["advocates"]:
        Attendance.objects.get_or_create(session=session, advocate=advocates[name])

    for order, item_data in enumerate(data["agenda"], start=1):
        item = upsert(
            AgendaItem,
            {"session": session, "order": order},
            {
                "topic": topics[item_data["topic"]],
                **{
                    key: item_data[key]
                    for key in ("title", "discussion", "outcome", "member_guidance")
                },
            },
        )
        for position_order, (party, kind, statement) in enumerate(item_data["positions"], 1):
            upsert(
                Position,
                {"agenda_item": item, "order": position_order},
                {"party": party, "kind": kind, "statement": statement},
            )
        for commitment_order, (party, description, due, trigger) in enumerate(
            item_data["commitments"], 1
        ):
            upsert(
                Commitment,
                {"agenda_item": item, "order": commitment_order},
                {"party": party, "description": description, "due_date": due, "trigger": trigger},
            )
    return session
