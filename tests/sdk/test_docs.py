"""Every python example in docs/sdk.md runs, in order, against a local deployment."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"


def test_sdk_doc_examples__run(manifest_file, rpc_url, user_protocol, depositor):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) >= 5
    namespace = {"RPC_URL": rpc_url, "MANIFEST": str(manifest_file), "PRIVATE_KEY": depositor.private_key}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert namespace["deposited"].shares > 0
