"""Test configuration: property tests are derandomized, so every run checks the same cases."""

from hypothesis import settings

settings.register_profile("tapegrad", derandomize=True, print_blob=True)
settings.load_profile("tapegrad")
