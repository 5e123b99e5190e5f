"""Every python example in docs/sdk.md runs, in order, against a local deployment."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def test_sdk_doc_examples__run(manifest_file, rpc_url, user_protocol, depositor, sdk_async_stack):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) >= 5
    namespace = {
        "RPC_URL": rpc_url,
        "MANIFEST": str(manifest_file),
        "PRIVATE_KEY": depositor.private_key,
        "ASYNC_MANIFEST": str(sdk_async_stack.manifest),
    }
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert namespace["deposited"].shares > 0
    assert namespace["requested"].amount > 0  # the asynchronous token's example ran too


SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"
TESTS = Path(__file__).resolve().parents[1]


def test_security_doc__every_test_it_names__exists():
    """docs/security.md points each line to the test that proves it: `dir/test_file.py::name`, or
    `::name` for another test of the file named last. Every one must exist."""
    named = re.findall(r"`((?:[a-z_]+/test_[a-z_]+\.py)?)(?:::(test_[a-z0-9_]+))?`", SECURITY.read_text())
    checked, current = 0, None
    for path, name in named:
        if path:
            current = TESTS / path
            assert current.is_file(), path
        if name:
            assert current is not None, name
            assert re.search(rf"^def {name}\(", current.read_text(), re.MULTILINE), f"{current.name}::{name}"
            checked += 1
    assert checked >= 60
