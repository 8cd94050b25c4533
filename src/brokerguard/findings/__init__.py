"""Findings (缺失改善追蹤): failed checks, review gaps and inspection remarks tracked to closure."""
