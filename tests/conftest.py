"""Test configuration: property tests are derandomized, so every run checks the same cases;
``--fuzz-programs``/``--fuzz-seed`` choose the random op programs of test_fuzz_programs.py."""

from hypothesis import settings

settings.register_profile("tapegrad", derandomize=True, print_blob=True)
settings.load_profile("tapegrad")


def pytest_addoption(parser):
    group = parser.getgroup("fuzz", "random op programs (tests/test_fuzz_programs.py)")
    group.addoption(
        "--fuzz-programs", type=int, default=200, help="how many programs to generate and check"
    )
    group.addoption("--fuzz-seed", type=int, default=0, help="the stream of programs to draw")
