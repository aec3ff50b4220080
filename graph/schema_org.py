"""schema.org markup for an entity page, so that general-purpose crawlers understand it."""

from __future__ import annotations

from typing import Callable

SCHEMA_TYPES = {
    "kgo:Person": "Person",
    "kgo:GovernmentBody": "GovernmentOrganization",
    "kgo:University": "CollegeOrUniversity",
    "kgo:EducationalInstitution": "EducationalOrganization",
    "kgo:AcademicUnit": "EducationalOrganization",
    "kgo:NewsOutlet": "NewsMediaOrganization",
    "kgo:NonGovernmentalOrganization": "NGO",
    "kgo:ResearchOrganization": "ResearchOrganization",
    "kgo:ThinkTank": "ResearchOrganization",
    "kgo:Organization": "Organization",
    "kgo:OrganizationalUnit": "Organization",
    "kgo:InternationalOrganization": "Organization",
    "kgo:ProfessionalAssociation": "Organization",
    "kgo:Country": "Country",
    "kgo:City": "City",
    "kgo:Place": "Place",
    "kgo:Conference": "Event",
    "kgo:Summit": "Event",
    "kgo:Session": "Event",
    "kgo:Event": "Event",
    "kgo:Training": "EducationEvent",
    "kgo:Lecture": "EducationEvent",
    "kgo:EventSeries": "EventSeries",
}


def _texts(values: list) -> list[str]:
    return [v if isinstance(v, str) else v.get("@value", "") for v in values if isinstance(v, (str, dict))]


def _named(values: list, schema_type: str) -> list[dict]:
    return [{"@type": schema_type, "name": (v.get("label") or [v["@id"]])[0]} for v in values if isinstance(v, dict) and "@id" in v]


def schema_org(doc: dict, iri: str, expand: Callable[[str], str]) -> dict | None:
    """The entity document (our JSON-LD) as schema.org JSON-LD; None for kinds schema.org has no type for."""
    schema_type = next((SCHEMA_TYPES[t] for t in doc.get("@type", []) if t in SCHEMA_TYPES), None)
    if schema_type is None:
        return None
    out: dict = {"@context": "https://schema.org", "@type": schema_type, "@id": iri, "url": iri}
    out["name"] = (_texts(doc.get("label", [])) or [iri])[0]
    if alternates := _texts(doc.get("altLabel", [])):
        out["alternateName"] = alternates
    if descriptions := _texts(doc.get("description", [])):
        out["description"] = descriptions[0]
    if same := [expand(v["@id"]) for v in doc.get("sameAs", []) if isinstance(v, dict)]:
        out["sameAs"] = same
    if schema_type.endswith("Event") or schema_type == "EventSeries":
        for key, prop in (("startDate", "startDate"), ("endDate", "endDate")):
            if dates := _texts(doc.get(key, [])):
                out[prop] = dates[0]
        if places := _named(doc.get("venue", []), "Place") + _named(doc.get("hasPlace", []), "Place"):
            out["location"] = places
        if organizers := _named(doc.get("organizer", []), "Organization"):
            out["organizer"] = organizers
    return out
