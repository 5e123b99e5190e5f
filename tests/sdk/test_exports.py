"""What `make abis` exports for readers outside Python stays equal to the compiled contracts: the
TypeScript module of ABIs and the manifest's JSON Schema (the JSON ABIs: test_client.py)."""

import json
import re

from ltsdk import abis
from ltsdk.manifest import SCHEMA


def compiled(project):
    return {
        name: [
            abi.model_dump(by_alias=True, mode="json", exclude_none=True)
            for abi in getattr(project, name).contract_type.abi
        ]
        for name in abis.SHIPPED
    }


def _canonical(abi_by_name):
    return {name: sorted(json.dumps(entry, sort_keys=True) for entry in abi) for name, abi in abi_by_name.items()}


def test_typescript_module__equals_the_compiled_contracts(project):
    shipped = {name: abis.load_abi(name) for name in abis.SHIPPED}
    assert _canonical(shipped) == _canonical(compiled(project))  # so rendering the shipped ABIs is enough
    assert abis.TYPESCRIPT_FILE.read_text() == abis.typescript(shipped, SCHEMA), "run `make abis`"


def test_typescript_module__one_const_per_shipped_contract():
    text = abis.TYPESCRIPT_FILE.read_text()
    assert re.findall(r"^export const (\w+)Abi = ", text, re.MULTILINE) == list(abis.SHIPPED)
    assert text.count(" as const;") == len(abis.SHIPPED) + 1


def test_manifest_schema_file__equals_the_schema_and_fits_a_deployed_manifest(manifest_file):
    assert json.loads(abis.SCHEMA_FILE.read_text()) == SCHEMA, "run `make abis`"
    manifest = json.loads(manifest_file.read_text())
    assert set(SCHEMA["required"]) <= set(manifest) <= set(SCHEMA["properties"])
    address = re.compile(SCHEMA["properties"]["lens"]["pattern"])
    entry_keys = set(SCHEMA["properties"]["tokens"]["additionalProperties"]["properties"])
    for entry in manifest["tokens"].values():
        assert address.match(entry["address"]) and set(entry) <= entry_keys
    for market in manifest["markets"].values():
        assert address.match(market["oracle"]) and address.match(market["adapter"])
