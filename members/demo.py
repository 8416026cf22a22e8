"""The two published news items (shared/seeds) recorded as structured data, in their words.

Every fact of each article has a field, and nothing the article does not state is recorded: the
date, the units, the topic, each side's positions in the order the article tells them, each
commitment with its due date or trigger (or neither, when the article gives none), what members
should do, UPE's own view, the next steps and the advocates thanked, in the article's order.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from sessions import operations
from sessions.documents import check_upload
from sessions.models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    Commitment,
    Document,
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
        "description": "The Restructure Pilot Program: Emergency Response Social Workers to "
        "assume the Jurisdictional Hearing duties and Permanency Social Workers the "
        "Dispositional Hearing duties, to streamline current CPS case manager practices.",
    },
    "CARES testing": {
        "units": ["005", "008"],
        "description": "Testing of CARES, which will eventually replace CWS/CMS, and the "
        "training modules that come along with the system.",
    },
}

# Advocates and their units as the articles give them. The 2020 article thanks its six for
# advocating on behalf of "our 008 Members"; the 2023 article gives no unit for Eric Booker.
ADVOCATES = {
    "Jeannine Lopez": "008",
    "Sarah Singleton": "008",
    "Beverly Kearney": "008",
    "Lisa Stephney": "008",
    "Marisa Cisneros": "008",
    "Julie Wuest": "008",
    "Eric Booker": None,
}

# Each session as its article tells it. Positions are in the article's order and in its words
# (with the speaking party taken out of the sentence: the update puts it back, "The County
# proposed: …"). What the article states without saying who said it is the item's discussion;
# the writer's own comments are UPE's view, not a position at the table; a commitment whose
# article gives no date or trigger has none.
SESSIONS = [
    {
        "date": datetime.date(2020, 1, 17),
        "units": ["008"],
        "status": Session.Status.HELD,
        "summary": "",
        "next_steps": "UPE will meet with the County again following the completion of "
        "training. We will discuss progress and next steps.",
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
                "discussion": "Volunteer training will begin the first week of February 2020.",
                "outcome": "",
                "member_guidance": "",
                "union_view": "",
                "positions": [
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "The Restructure Pilot Program is seeking to have Emergency Response "
                        "Social Workers assume the Jurisdictional Hearing duties and the "
                        "Permanency Social Workers assume the Dispositional Hearing duties, in an "
                        "effort to streamline current CPS case manager practices.",
                    ),
                    (
                        COUNTY,
                        K.STATEMENT,
                        "The first phase will be the testing phase, for about 6 months. The "
                        "County will survey families and get feedback from the workers, county "
                        "counsel and the court.",
                    ),
                    (
                        UPE,
                        K.CONCERN,
                        "The County's plan to “go live” with the protocol at the same time "
                        "that they were training volunteers.",
                    ),
                    (
                        COUNTY,
                        K.AGREEMENT,
                        "to wait until the volunteers have undergone report-writing training "
                        "before having the pilot begin the testing phase.",
                    ),
                    (
                        COUNTY,
                        K.STATEMENT,
                        "It does not want to test a complicated case initially, but rather "
                        "start slowly.",
                    ),
                ],
                "commitments": [
                    (
                        COUNTY,
                        "Wait until the volunteers have undergone report-writing training "
                        "before having the pilot begin the testing phase.",
                        None,
                        "before having the pilot begin the testing phase",
                    ),
                    (
                        COUNTY,
                        "Survey families and get feedback from the workers, county counsel and "
                        "the court.",
                        None,
                        "",
                    ),
                    (
                        UPE,
                        "Meet with the County again to discuss progress and next steps.",
                        None,
                        "following the completion of training",
                    ),
                ],
            },
            {
                "topic": "CPS Restructure Pilot",
                "title": "The safety of our members",
                "discussion": "",
                "outcome": "",
                "member_guidance": "If you have a safety concern when going to a home, talk to "
                "your supervisor about pairing. If you have issues with this, please contact "
                "your Business Agent.",
                "union_view": "",
                "positions": [
                    (
                        UPE,
                        K.CONCERN,
                        "The safety of our members, as they will now be responsible for working "
                        "with families in which they may have had to remove the children.",
                    ),
                    (
                        COUNTY,
                        K.RESPONSE,
                        "Safety is always a concern for the workers, but the County did not "
                        "have anything new to offer in regards to precautions.",
                    ),
                    (
                        UPE,
                        K.COUNTER,
                        "The need for the County to be proactive rather than reactive in "
                        "regards to safety.",
                    ),
                    (
                        UPE,
                        K.PROPOSAL,
                        "ER workers pairing when going out in the field, in an attempt to "
                        "prioritize safety.",
                    ),
                    (COUNTY, K.RESPONSE, "The County is open to the idea."),
                ],
                "commitments": [],
            },
            {
                "topic": "CPS Restructure Pilot",
                "title": "Court Services Social Workers",
                "discussion": "There were discussions regarding the integration of Court "
                "Services Social Workers into the testing phase of the pilot.",
                "outcome": "",
                "member_guidance": "",
                "union_view": "",
                "positions": [
                    (
                        UPE,
                        K.STATEMENT,
                        "We need to be a part of those discussions prior to any changes taking "
                        "place.",
                    ),
                ],
                "commitments": [
                    (
                        UPE,
                        "Work with the County to schedule subsequent meetings about Court "
                        "Services, to ensure that direct dealing is not occurring and that our "
                        "members are having their questions answered appropriately.",
                        None,
                        "",
                    ),
                ],
            },
        ],
    },
    {
        "date": datetime.date(2023, 9, 15),
        "units": ["005", "008"],
        "status": Session.Status.HELD,
        "summary": "",
        "next_steps": "",
        "advocates": ["Sarah Singleton", "Eric Booker"],
        "agenda": [
            {
                "topic": "CARES testing",
                "title": "Social Workers and Clerical staff to test CARES",
                "discussion": "The need for Social Workers (SW) and Clerical staff (CS) to test "
                "CARES, which will eventually replace CWS/CMS, and the training modules that "
                "come along with the system.",
                "outcome": "",
                "member_guidance": "Reassess your willingness to participate in this testing: "
                "you will likely not be granted any time for your assistance, and you will be "
                "expected to keep up with the testing timeframe as well as your own duties, "
                "which include home visits, chronos, court reports and more that have their own "
                "hard deadlines.",
                "union_view": "This is unacceptable. The Department continues to be out of "
                "touch with what is really going on; they are understaffed, and our members are "
                "overworked. UPE feels this ask from the County is unreasonable, and "
                "furthermore, this system will be going into use in 2026 with or without "
                "Sacramento County staff input.",
                "positions": [
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "The Department needs one to four (1-4) testers from the SW "
                        "and CS classifications across various programs to spend three to four "
                        "hours (3-4) per week for two (2) weeks (October 16th through October "
                        "29th), using fictitious data.",
                    ),
                    (
                        COUNTY,
                        K.PROPOSAL,
                        "The County's “criteria” for volunteers are that they have permission "
                        "from their supervisors and program managers, be in case carrying "
                        "positions, and be able to complete the testing within the allocated "
                        "timeframe while also completing their normal workload.",
                    ),
                    (
                        UPE,
                        K.COUNTER,
                        "It sounded as if the Department wanted to cherry-pick their favorites, "
                        "whether or not they were union-affiliated.",
                    ),
                    (
                        UPE,
                        K.PROPOSAL,
                        "To give names of union-affiliated staff to the County to choose from, "
                        "in hopes of removing the favoritism that we all know supervisors or "
                        "management sometimes bestow on staff.",
                    ),
                    (
                        COUNTY,
                        K.REFUSAL,
                        "It was emphatic in saying it was unwilling to offer “blanket workload "
                        "relief”, in hopes that the volunteers would give up their own time or "
                        "rearrange their workdays.",
                    ),
                    (
                        COUNTY,
                        K.RESPONSE,
                        "The volunteers could request workload relief or overtime from their "
                        "supervisors as per the current overtime policy, but the County would "
                        "not guarantee that the volunteers would receive anything.",
                    ),
                ],
                "commitments": [
                    (
                        UPE,
                        "Provide the County with some names of 005 and 008 staff.",
                        None,
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
        name: Advocate.objects.get_or_create(name=name, unit=units.get(code))[0]
        for name, code in ADVOCATES.items()
    }
    sessions = [_load_session(data, units, topics, advocates) for data in SESSIONS]
    _attach_demo_document(sessions[-1])
    return sessions


def pdf_with_text(lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing `lines` (Helvetica, no dependency): the demo's
    document, and the tests' PDFs. The same lines give the same bytes."""

    def escaped(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 72 740 Td 16 TL " + " ".join(f"({escaped(line)}) '" for line in lines)
    stream += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


DEMO_DOCUMENT_TITLE = "Sign-in sheet (a sample made by the demo)"


def _attach_demo_document(session: Session) -> None:
    """A generated sign-in sheet, so a new user sees documents on the 2023 session. It is not a
    real County document; attached once (found again by its title)."""
    if Document.objects.filter(session=session, title=DEMO_DOCUMENT_TITLE).exists():
        return
    content = pdf_with_text(
        [
            "UPE Confer demo: sign-in sheet",
            f"Meet and confer, {session.date:%B %-d, %Y}",
            "A sample document generated by the demo loader.",
            "It is not a County document.",
        ]
    )
    upload = SimpleUploadedFile("sign-in-sheet.pdf", content, "application/pdf")
    operations.attach_documents(
        session,
        [
            operations.NewDocument(
                checked=check_upload(upload),
                title=DEMO_DOCUMENT_TITLE,
                kind=Document.Kind.SIGN_IN_SHEET,
                date=session.date,
            )
        ],
        by=None,
    )


def _load_session(data: dict, units: dict, topics: dict, advocates: dict) -> Session:
    first_topic = topics[data["agenda"][0]["topic"]]
    session = Session.objects.filter(date=data["date"], agenda_items__topic=first_topic).first()
    fields = {key: data[key] for key in ("status", "summary", "next_steps")}
    if session is None:
        session = Session.objects.create(date=data["date"], **fields)
    else:
        session = upsert(Session, {"pk": session.pk}, fields)
    session.units.set(units[code] for code in data["units"])
    present = [advocates[name] for name in data["advocates"]]
    session.attendances.exclude(advocate__in=present).delete()
    for advocate in present:  # in the article's order: the update thanks them in it
        Attendance.objects.get_or_create(session=session, advocate=advocate)

    for order, item_data in enumerate(data["agenda"], start=1):
        item = upsert(
            AgendaItem,
            {"session": session, "order": order},
            {
                "topic": topics[item_data["topic"]],
                **{
                    key: item_data[key]
                    for key in ("title", "discussion", "outcome", "member_guidance", "union_view")
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
        # What an earlier version of the demo recorded beyond the article goes.
        item.positions.filter(order__gt=len(item_data["positions"])).delete()
        item.commitments.filter(order__gt=len(item_data["commitments"])).delete()
    session.agenda_items.filter(order__gt=len(data["agenda"])).delete()
    return session
