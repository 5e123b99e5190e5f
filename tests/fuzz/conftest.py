"""The fuzz suite runs on titanoboa (an in-process EVM), not on anvil.

- Its hypothesis profiles (`ci`, `quick`, `deep`) live in profiles.py and are registered here,
  before collection, by importing it.
- The protocol is deployed once, by the session fixture below, before the first test: outside
  any `boa.env.anchor()`, so the per-example anchors (ours, and the one titanoboa's pytest
  plugin puts around every hypothesis example) roll back to the deployed state, never past it.
  The async venue kind's token (venue_kinds.py) likewise, by a session fixture its modules ask
  for. titanoboa's plugin also enters an anchor at every fixture's set-up and leaves it at the
  fixture's finalization: a stack that several modules share must come from a session fixture,
  since a module fixture's deployment is rolled back when its module ends (`chain.deployed_once`
  then fails loudly rather than hand out contracts that are gone).
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

from fuzz import chain, profiles, venue_kinds  # noqa: F401  (profiles: registers the hypothesis profiles)


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
def async_deployed_stack(deployed_stack):
    """The async venue kind's token (venue_kinds.py), deployed when a module that uses it first
    asks (`pytestmark = pytest.mark.usefixtures("async_deployed_stack")`), for the session.
    After the sync stack, always: that deployment sets the clock to chain.START_TIME, and a token
    deployed before it would see time run backwards (its round clock underflows: a reasonless
    revert). `ape test` orders a test's session fixtures its own way (seen: this one first), so
    the order is this dependency, not the fixtures' listing."""
    return venue_kinds.async_token_stack()


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
