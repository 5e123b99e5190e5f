"""Hypothesis profiles of the fuzz suite (titanoboa, no anvil).

- `ci` (the default; `make test` runs it): 200 examples x 30 steps per state machine, no
  deadline (a step is several EVM transactions on py-evm), derandomized with no example
  database, so every CI run executes the same examples.
- `quick` (LT_FUZZ_PROFILE=quick): 20 examples, derandomized, no shrinking, for a first look
  while editing.
- `deep` (`make fuzz`, or LT_FUZZ_PROFILE=deep): 5,000 examples x 50 steps, random, with the
  default example database (.hypothesis/, git-ignored) so a failure found once is replayed first.

The state machine (test_invariants.py) runs the profile as it is. The single-state property
tests (test_erc4626.py, test_inflation_attack.py) build a fresh state for every example, ~5-10
transactions, and run a fraction of the profile's examples (`examples(fraction)`).

The profile is chosen with the environment variable LT_FUZZ_PROFILE and applied explicitly by the
tests in this directory (`fuzz_settings()`), never loaded globally, so the rest of the test
suite keeps its own hypothesis settings when `make test` runs everything in one session.
conftest.py imports this module, so the profiles are registered before any test is collected.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE_ENV = "LT_FUZZ_PROFILE"

COMMON = {
    "deadline": None,
    # building a state on py-evm is slow by hypothesis' standards, and that is expected
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    "print_blob": True,
}

settings.register_profile("ci", max_examples=200, stateful_step_count=30, derandomize=True, database=None, **COMMON)
settings.register_profile(
    "quick",
    max_examples=20,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure is reported as found
    **COMMON,
)
settings.register_profile("deep", max_examples=5_000, stateful_step_count=50, **COMMON)


def profile_name() -> str:
    return os.environ.get(PROFILE_ENV, "ci")


def fuzz_settings(**overrides) -> settings:
    """The selected profile, with `overrides` (e.g. fewer examples for a costlier test)."""
    return settings(settings.get_profile(profile_name()), **overrides)


def examples(fraction: int) -> int:
    """1/fraction of the selected profile's examples (at least 5)."""
    return max(5, settings.get_profile(profile_name()).max_examples // fraction)
