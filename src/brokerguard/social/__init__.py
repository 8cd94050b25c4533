"""Social media (Art. 5): platform risk register, official accounts, disclosures, publishing
workflow and the monitoring log."""
