"""The fuzz suite runs on titanoboa (an in-process EVM), not on anvil.

- Its hypothesis profiles (`ci`, `quick`, `deep`) live in profiles.py and are registered here,
  before collection, by importing it.
- The protocol is deployed once, by the session fixture below, before the first test: outside
  any `boa.env.anchor()`, so the per-example anchors (ours, and the one titanoboa's pytest
  plugin puts around every hypothesis example) roll back to the deployed state, never past it.
- Under `ape test` (`make test`), ape's pytest plugin snapshots and restores anvil around every
  test, module and session through its `_<scope>_isolation` fixtures. These tests never touch
  anvil, so for this directory those fixtures are replaced by the no-ops below: that alone took
  ~100 s of RPC round trips off the suite. (Run directly, use `pytest -p no:ape_test`: the
  plugin is registered as `ape_test`, so `-p no:ape` does not disable it and anvil starts.)
- Every test function here runs below a large frame (`chain.on_own_stack_chunk`), so CPython's
  frame-stack chunk boundaries, and with them 2-3x of py-evm's speed, do not depend on how deep
  the runner's stack is (the state machine's TestCase does the same in its runTest).
"""

import pytest

from fuzz import chain, profiles  # noqa: F401  (profiles: registers the hypothesis profiles)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """pytest's own call of a test function, on a fresh frame-stack chunk."""
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    chain.on_own_stack_chunk(lambda: pyfuncitem.obj(**arguments))
    return True


@pytest.fixture(scope="session", autouse=True)
def deployed_stack():
    return chain.stack()


@pytest.fixture(scope="session")
def _session_isolation():
    yield


@pytest.fixture(scope="package")
def _package_isolation():
    yield


@pytest.fixture(scope="module")
def _module_isolation():
    yield


@pytest.fixture(scope="class")
def _class_isolation():
    yield


@pytest.fixture
def _function_isolation():
    yield
