"""JSON API of the rulebook (``/api/v1/rulebook``): read by any signed-in staff member."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from brokerguard.rulebook.bindings import loaded_registry
from brokerguard.rulebook.loader import load_rulebook
from brokerguard.rulebook.oscal import catalog
from brokerguard.rulebook.query import find, parse_kind, select
from brokerguard.rulebook.schemas import (
    RequirementDetail,
    RequirementList,
    RequirementSummary,
    TemplateSummary,
)
from brokerguard.rulebook.templates import PolicyTemplate, get_template, list_templates
from brokerguard.web.deps import AppClock, CurrentStaff

router = APIRouter(prefix="/api/v1/rulebook", tags=["rulebook"])


@router.get("", response_model=RequirementList)
def list_requirements(
    staff: CurrentStaff,
    article: Annotated[int | None, Query(ge=1, le=99, description="only this article")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=40, description="policy, technical, record, referenced, ..."),
    ] = None,
) -> RequirementList:
    """Every requirement in reading order, optionally of one article and/or one kind."""
    chosen = select(load_rulebook(), article=article, kind=parse_kind(kind))
    return RequirementList(
        count=len(chosen), requirements=[RequirementSummary.of(r) for r in chosen]
    )


@router.get("/oscal/catalog")
def oscal_catalog(staff: CurrentStaff, clock: AppClock) -> dict[str, Any]:
    """The rulebook as an OSCAL 1.1 catalog (JSON)."""
    return catalog(load_rulebook(), generated_at=clock.now())


def _template_summary(template: PolicyTemplate) -> TemplateSummary:
    return TemplateSummary(
        name=template.name,
        title=template.title,
        article=template.article,
        filename=template.filename,
        requirement_ids=list(template.requirement_ids),
    )


@router.get("/policy-templates", response_model=list[TemplateSummary])
def policy_templates(staff: CurrentStaff) -> list[TemplateSummary]:
    """The zh-TW policy templates (Arts. 5-7) with the requirement IDs each covers."""
    return [_template_summary(t) for t in list_templates()]


@router.get("/policy-templates/{name:path}", response_class=PlainTextResponse)
def policy_template(staff: CurrentStaff, name: str) -> PlainTextResponse:
    """One template as Markdown (``text/markdown``); an unknown name answers 404."""
    template = get_template(name)
    return PlainTextResponse(
        template.text(),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{template.filename}"'},
    )


@router.get("/{requirement_id:path}", response_model=RequirementDetail)
def get_requirement(staff: CurrentStaff, requirement_id: str) -> RequirementDetail:
    """One requirement with both texts, parent, children, evidence kinds and bound checks.

    An unknown ID answers 404 ``unknown_requirement`` naming the ID.
    """
    rulebook = load_rulebook()
    requirement = find(rulebook, requirement_id)
    return RequirementDetail.build(rulebook, requirement.id, loaded_registry())
