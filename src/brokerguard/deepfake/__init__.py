"""Deepfake-resistant video identity verification (A10.1)."""
