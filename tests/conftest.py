"""Shared test configuration: Hypothesis profiles.

``HYPOTHESIS_PROFILE=ci`` (used by ``.ci/run``) keeps property tests fast;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples on demand.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
