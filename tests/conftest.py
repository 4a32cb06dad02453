"""Shared test configuration: Hypothesis profiles, and salesorder's own pytest plugin.

``HYPOTHESIS_PROFILE=ci`` (used by ``.ci/run``) keeps property tests fast;
``HYPOTHESIS_PROFILE=thorough`` runs many more examples on demand;
``HYPOTHESIS_PROFILE=mutation`` fewer, for mutmut (``docs/contributing.md``).

The plugin (``salesorder.testing.plugin``) is loaded here rather than through its
``pytest11`` entry point, which ``pyproject.toml`` blocks for this suite
(``-p no:salesorder``): pytest imports entry-point plugins before pytest-cov starts
measuring, and importing the plugin imports the whole package, so the module-level
lines of every salesorder module would count as never run.
"""

import os

from hypothesis import HealthCheck, settings

pytest_plugins = ["salesorder.testing.plugin"]

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
# Mutation testing runs the property tests once per surviving mutant: fewer examples.
settings.register_profile(
    "mutation", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
