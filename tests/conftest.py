"""Test configuration: property tests are derandomized, so every run checks the same cases;
``--fuzz-programs``/``--fuzz-seed`` choose the random op programs of test_fuzz_programs.py."""

from hypothesis import settings

try:  # torch's Triton, imported lazily by torch.optim, crashes the process (SIGSEGV) when
    import triton  # noqa: F401  TensorFlow's libraries were loaded first; first, it does not.
except Exception:  # an optional peer of an optional peer: absent or broken, nothing to do
    pass

settings.register_profile("tapegrad", derandomize=True, print_blob=True)
settings.load_profile("tapegrad")


def pytest_addoption(parser):
    group = parser.getgroup("fuzz", "random op programs (tests/test_fuzz_programs.py)")
    group.addoption(
        "--fuzz-programs", type=int, default=200, help="how many programs to generate and check"
    )
    group.addoption("--fuzz-seed", type=int, default=0, help="the stream of programs to draw")
