"""Pydantic shapes of rulebook entries, shared by the JSON API and ``--json`` CLI output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brokerguard.assessment.registry import CheckRegistry
from brokerguard.rulebook.model import Requirement, Rulebook
from brokerguard.rulebook.templates import templates_covering


class CheckRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title_zh: str
    title_en: str
    requirement_ids: list[str]


class RequirementSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    article: int
    parent: str | None
    kind: str
    title_zh: str
    title_en: str
    review_frequency: str
    is_obligation: bool
    #: the checks bound to this requirement with ``@check`` (empty: manual)
    check_ids: list[str] = []

    @classmethod
    def of(cls, requirement: Requirement, check_ids: Sequence[str] = ()) -> RequirementSummary:
        return cls(
            id=requirement.id,
            article=requirement.article,
            parent=requirement.parent,
            kind=requirement.kind.value,
            title_zh=requirement.title_zh,
            title_en=requirement.title_en,
            review_frequency=requirement.review_frequency.value,
            is_obligation=requirement.is_obligation,
            check_ids=list(check_ids),
        )

    @classmethod
    def listing(
        cls, requirements: Sequence[Requirement], registry: CheckRegistry
    ) -> RequirementList:
        bound: dict[str, list[str]] = {}
        for definition in registry.all():
            for requirement_id in definition.requirement_ids:
                bound.setdefault(requirement_id, []).append(definition.id)
        return RequirementList(
            count=len(requirements),
            requirements=[cls.of(r, bound.get(r.id, ())) for r in requirements],
        )


class RequirementDetail(RequirementSummary):
    text_zh: str
    text_en: str
    article_label_zh: str
    article_title_zh: str
    article_title_en: str
    evidence_kinds: list[str]
    children: list[str]
    checks: list[CheckRef]
    #: names of the policy templates citing this requirement (``rulebook/templates/``)
    templates: list[str] = []

    @classmethod
    def build(
        cls, rulebook: Rulebook, requirement_id: str, registry: CheckRegistry
    ) -> RequirementDetail:
        """Raises :class:`~brokerguard.errors.UnknownRequirementError` naming an unknown ID."""
        requirement = rulebook.get(requirement_id)
        article = rulebook.articles[requirement.article]
        checks = registry.for_requirement(requirement.id)
        summary = RequirementSummary.of(requirement, [c.id for c in checks]).model_dump()
        return cls(
            **summary,
            text_zh=requirement.text_zh,
            text_en=requirement.text_en,
            article_label_zh=article.label_zh,
            article_title_zh=article.title_zh,
            article_title_en=article.title_en,
            evidence_kinds=list(requirement.evidence_kinds),
            children=[child.id for child in rulebook.children(requirement.id)],
            checks=[
                CheckRef(
                    id=c.id,
                    title_zh=c.title_zh,
                    title_en=c.title_en,
                    requirement_ids=list(c.requirement_ids),
                )
                for c in checks
            ],
            templates=[t.name for t in templates_covering(requirement.id)],
        )


class RequirementList(BaseModel):
    count: int
    requirements: list[RequirementSummary]


class TemplateSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    article: int
    filename: str
    requirement_ids: list[str]


class TemplateDetail(TemplateSummary):
    markdown: str


#: an OSCAL 1.1 document's body: its schema is NIST's (https://pages.nist.gov/OSCAL/),
#: built and tested in :mod:`brokerguard.rulebook.oscal`, not restated here
OscalDocument = dict[str, Any]


class OscalCatalogOut(BaseModel):
    """The rulebook as an OSCAL 1.1 catalog."""

    model_config = ConfigDict(extra="forbid")

    catalog: OscalDocument


class OscalAssessmentResultsOut(BaseModel):
    """One assessment run as OSCAL 1.1 assessment-results."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    assessment_results: OscalDocument = Field(alias="assessment-results")
