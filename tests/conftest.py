"""Test configuration: property tests are derandomized, so every run checks the same cases;
``--fuzz-programs``/``--fuzz-seed`` choose the random op programs of test_fuzz_programs.py."""

import importlib.util

from hypothesis import settings

# With TensorFlow loaded first, importing torch._dynamo (which torch.optim and torch.compile
# do) crashes the process (torch 2.14, TensorFlow 2.21); loading it first avoids that.
if importlib.util.find_spec("torch") and importlib.util.find_spec("tensorflow"):
    import torch._dynamo  # noqa: F401

settings.register_profile("tapegrad", derandomize=True, print_blob=True)
settings.load_profile("tapegrad")


def pytest_addoption(parser):
    group = parser.getgroup("fuzz", "random op programs (tests/test_fuzz_programs.py)")
    group.addoption(
        "--fuzz-programs", type=int, default=200, help="how many programs to generate and check"
    )
    group.addoption("--fuzz-seed", type=int, default=0, help="the stream of programs to draw")
