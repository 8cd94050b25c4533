"""brokerguard: enforce, and prove, the TSA Emerging Technology Cybersecurity Rules."""

__version__ = "0.1.0"
