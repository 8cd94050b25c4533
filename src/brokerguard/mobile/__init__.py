"""Mobile-app security management (A6.3): registry, APK/IPA analysis, release gate, testing."""
