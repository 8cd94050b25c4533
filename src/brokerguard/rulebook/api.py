"""JSON API of the rulebook (``/api/v1/rulebook``): read by any signed-in staff member."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from brokerguard.errors import NotFoundError
from brokerguard.rulebook.bindings import loaded_registry
from brokerguard.rulebook.loader import load_rulebook
from brokerguard.rulebook.oscal import assessment_results, catalog
from brokerguard.rulebook.query import find, parse_kind, select
from brokerguard.rulebook.schemas import (
    OscalAssessmentResultsOut,
    OscalCatalogOut,
    RequirementDetail,
    RequirementList,
    RequirementSummary,
    TemplateSummary,
)
from brokerguard.rulebook.templates import PolicyTemplate, get_template, list_templates
from brokerguard.web.deps import AppClock, CurrentStaff, DbSession

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
    return RequirementSummary.listing(chosen, loaded_registry())


@router.get("/oscal/catalog", response_model=OscalCatalogOut)
def oscal_catalog(staff: CurrentStaff, clock: AppClock) -> dict[str, Any]:
    """The rulebook as an OSCAL 1.1 catalog (JSON)."""
    return catalog(load_rulebook(), generated_at=clock.now(), registry=loaded_registry())


@router.get("/oscal/assessment-results", response_model=OscalAssessmentResultsOut)
def oscal_assessment_results(
    staff: CurrentStaff,
    session: DbSession,
    clock: AppClock,
    run_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="default: the latest run")
    ] = None,
) -> dict[str, Any]:
    """One assessment run (default the latest) as OSCAL 1.1 assessment-results."""
    from brokerguard.assessment.service import get_snapshot, latest_snapshot

    if run_id is None:
        snapshot = latest_snapshot(session, full_scope_only=False)
        if snapshot is None:
            raise NotFoundError("no assessment run yet", field="run_id")
    else:
        snapshot = get_snapshot(session, run_id)
    return assessment_results(snapshot, load_rulebook(), generated_at=clock.now())


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
