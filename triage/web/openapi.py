"""The OpenAPI 3.1 description of the JSON API (/api/v1/openapi.json).

Built from the constants the API itself checks (categories, channels, ticket statuses, queue
filters, scopes, page limits), so a new label, status or scope shows here without an edit.
"""
from __future__ import annotations

from typing import Any

from triage.models import ACTIVE_STATUSES, CHANNELS, TicketStatus
from triage.queue import ACTIVE_FILTER, STATUS_FILTERS
from triage.taxonomy import LABELS
from triage.users import API_SCOPES, ROLE_SCOPES, STATS_READ, TICKETS_READ, TICKETS_WRITE

# The page sizes of GET /tickets: what this document promises and the view enforces.
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

_TICKET_ID = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_GROUP_ID = {"name": "group_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_DATE_TIME = {"type": "string", "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ticket_schema() -> dict[str, Any]:
    """A ticket as list_tickets and take-next show it (api.ticket_summary)."""
    return {
        "type": "object",
        "required": ["id", "channel", "label", "status", "due_at"],
        "properties": {
            "id": {"type": "integer"},
            "channel": {"type": "string", "enum": list(CHANNELS)},
            "label": {"type": "string", "enum": list(LABELS)},
            "confidence": {"type": "number"},
            "needs_review": {"type": "boolean"},
            "label_source": {"type": "string", "enum": ["model", "agent"]},
            "status": {"type": "string", "enum": [str(status) for status in TicketStatus]},
            "due_at": _DATE_TIME,
            "due_explanation": {"type": "string"},
            "subject": {"type": ["string", "null"]},
            "preview": {"type": "string", "description": "numbers and addresses masked (in a supervisor's ticket detail whole, audited)"},
            "contact": {"type": "string", "description": "masked (in a supervisor's ticket detail whole, audited)"},
            "assignee": {"type": ["string", "null"]},
            "created_at": _DATE_TIME,
            "last_message_at": _DATE_TIME,
            "message_count": {"type": "integer"},
        },
    }


def _detail_schema() -> dict[str, Any]:
    """One ticket with its messages (api.ticket_detail)."""
    message = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "direction": {"type": "string", "enum": ["inbound", "outbound"]},
            "author": {"type": "string"},
            "subject": {"type": ["string", "null"]},
            "text": {"type": "string"},
            "sent_at": _DATE_TIME,
        },
    }
    details = {
        "entities": {"type": "object"},
        "merged_into": {"type": ["integer", "null"]},
        "first_response_at": {"type": ["string", "null"], "format": "date-time"},
        "resolved_at": {"type": ["string", "null"], "format": "date-time"},
        "messages": {"type": "array", "items": message},
    }
    return {"allOf": [_ref("Ticket"), {"type": "object", "properties": details}]}


def _group_schema() -> dict[str, Any]:
    """A group as GET /groups lists it (triage.groups.GroupSummary)."""
    return {
        "type": "object",
        "required": ["id", "name", "label", "surge", "size", "tickets"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string", "description": "a supervisor's name, else the category and what members share"},
            "label": {"type": "string", "enum": list(LABELS)},
            "key": {"type": "string", "description": "the shared specifics (wave=48|month=3|payout=linkaja) or text:<first member>"},
            "status": {"type": "string", "enum": ["open", "closed", "merged"]},
            "size": {"type": "integer", "description": "active members"},
            "surge": {"type": "boolean"},
            "surge_since": {"type": ["string", "null"], "format": "date-time"},
            "since": _DATE_TIME,
            "last_ticket_at": _DATE_TIME,
            "shared": {"type": "array", "items": {"type": "string"}},
            "assignee_id": {"type": ["integer", "null"]},
            "renamed": {"type": "boolean"},
            "tickets": {"type": "array", "items": {"type": "integer"}, "description": "the active members' ids"},
        },
    }


def _group_detail_schema() -> dict[str, Any]:
    """One group with its members and hourly inflow (triage.groups.GroupDetail)."""
    member = {
        "type": "object",
        "properties": {
            "ticket_id": {"type": "integer"},
            "channel": {"type": "string", "enum": list(CHANNELS)},
            "contact": {"type": "string", "description": "masked (in a supervisor's ticket detail whole, audited)"},
            "contact_name": {"type": ["string", "null"]},
            "label": {"type": "string", "enum": list(LABELS)},
            "status": {"type": "string", "enum": [str(status) for status in TicketStatus]},
            "created_at": _DATE_TIME,
            "assignee_id": {"type": ["integer", "null"]},
        },
    }
    hour = {"type": "object", "properties": {"hour": _DATE_TIME, "count": {"type": "integer"}}}
    details = {
        "members": {"type": "array", "items": member, "description": "newest first, at most 500"},
        "members_total": {"type": "integer"},
        "inflow": {"type": "array", "items": hour, "description": "members arrived per hour, last 48 hours"},
        "merged_into": {"type": ["integer", "null"]},
    }
    return {"allOf": [_ref("Group"), {"type": "object", "properties": details}]}


def _operation(summary: str, scope: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One operation: its scope, its answers, and the 401/403 every operation may give."""
    error = {"application/json": {"schema": _ref("Error")}}
    refused = {
        "401": {"description": "missing, invalid or revoked token", "content": error},
        "403": {"description": "the token or its user's role lacks the scope", "content": error},
    }
    return {"summary": summary, "security": [{"bearer": [scope]}], "responses": {**responses, **refused}, **extra}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _list_parameters() -> list[dict[str, Any]]:
    """GET /tickets's filters: the values list_tickets accepts."""
    active = " or ".join(ACTIVE_STATUSES)
    return [
        _query("label", {"type": "string", "enum": list(LABELS)}, "category"),
        _query("channel", {"type": "string", "enum": list(CHANNELS)}, "channel"),
        _query("status", {"type": "string", "enum": [str(status) for status in STATUS_FILTERS]}, f"default {ACTIVE_FILTER} ({active})"),
        _query("needs_review", {"type": "boolean"}, "only flagged (true) or unflagged (false)"),
        _query("assignee", {"type": "string"}, "a user id, or none"),
        _query("q", {"type": "string"}, "text search in subject, first line and contact"),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, f"page size (default {DEFAULT_LIMIT})"),
        _query("after", {"type": "string"}, "next_cursor of the previous page"),
    ]


_LANG = {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["id", "en"]}, "description": "language of the names (default id)"}


def _paths() -> dict[str, Any]:
    page = {"type": "object", "properties": {"tickets": {"type": "array", "items": _ref("Ticket")}, "next_cursor": {"type": ["string", "null"]}}}
    taken = {**_json("the claimed ticket", _ref("TicketDetail")), "204": {"description": "nothing to take"}, "409": {"description": "capacity reached"}}
    resolved = {**_json("the resolved ticket", _ref("Ticket")), "409": {"description": "not open, or held by another agent"}}
    return {
        "/tickets": {"get": _operation("List tickets in due-time order (keyset pages)", TICKETS_READ, _json("a page of tickets", page), parameters=_list_parameters())},
        "/tickets/{ticket_id}": {"get": _operation("One ticket with its messages", TICKETS_READ, _json("the ticket", _ref("TicketDetail")), parameters=[_TICKET_ID])},
        "/take-next": {"post": _operation("Claim the most urgent open ticket matching the token user's skills", TICKETS_WRITE, taken)},
        "/tickets/{ticket_id}/resolve": {"post": _operation("Resolve a ticket", TICKETS_WRITE, resolved, parameters=[_TICKET_ID])},
        "/groups": {"get": _operation("Open groups of one problem, surges first", TICKETS_READ, _json("groups", {"type": "object", "properties": {"groups": {"type": "array", "items": _ref("Group")}}}), parameters=[_query("all", {"type": "boolean"}, "also closed, merged and small groups"), _LANG])},
        "/groups/{group_id}": {"get": _operation("One group with its members and hourly inflow", TICKETS_READ, {**_json("the group", _ref("GroupDetail")), "404": {"description": "no such group"}}, parameters=[_GROUP_ID, _LANG])},
        "/stats": {"get": _operation("Dashboard figures", STATS_READ, _json("backlog, SLA, flow, medians, agents, confidence, ingest health", {"type": "object"}))},
        "/openapi.json": {"get": _operation("This document", TICKETS_READ, _json("OpenAPI document", {"type": "object"}))},
    }


def _scopes_description() -> str:
    beyond_agents = [scope for scope in API_SCOPES if scope not in ROLE_SCOPES["agent"]]
    return f"scopes: {', '.join(API_SCOPES)} ({', '.join(beyond_agents)} for supervisors and admins only)"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API."""
    error = {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "prakerja-triage API",
            "version": "1",
            "description": "Tickets, take-next, resolve, groups and dashboard figures. Authenticate with `Authorization: Bearer <token>` (`triage users token`).",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": _scopes_description()}},
            "schemas": {
                "Ticket": _ticket_schema(), "TicketDetail": _detail_schema(), "Group": _group_schema(),
                "GroupDetail": _group_detail_schema(), "Error": error,
            },
        },
        "paths": _paths(),
    }
