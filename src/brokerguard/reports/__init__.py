"""Inspection reports: the self-assessment (自評表) as HTML, PDF and XLSX, in zh-TW or English."""

from brokerguard.reports.data import ReportFormat, SelfAssessmentReport, build_report
from brokerguard.reports.render import render_report, write_report

__all__ = ["ReportFormat", "SelfAssessmentReport", "build_report", "render_report", "write_report"]
