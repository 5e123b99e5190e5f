"""Where the SDK finds a deployment: an explicit path, $LT_DEPLOYMENTS, ./deployments, or addresses."""

import json

import pytest

from ltsdk import Protocol, manifest
from ltsdk.errors import BadManifest


@pytest.fixture
def manifest_data(manifest_file):
    return json.loads(manifest_file.read_text())


def test_network_name__found_in_the_deployments_env_folder(manifest_data, tmp_path, monkeypatch, rpc_url):
    (tmp_path / "somenet.json").write_text(json.dumps(manifest_data))
    monkeypatch.setenv(manifest.DEPLOYMENTS_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path.parent)
    assert manifest.resolve("somenet") == tmp_path / "somenet.json"
    assert Protocol.from_manifest("somenet", rpc_url).states(["BTC3L"])["BTC3L"].ok


def test_network_name__found_in_the_working_directory(manifest_data, tmp_path, monkeypatch):
    (tmp_path / "deployments").mkdir()
    (tmp_path / "deployments" / "somenet.json").write_text(json.dumps(manifest_data))
    monkeypatch.delenv(manifest.DEPLOYMENTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert manifest.load("somenet")["lens"] == manifest_data["lens"]


def test_network_name__nowhere__bad_manifest_names_the_places_tried(tmp_path, monkeypatch):
    monkeypatch.setenv(manifest.DEPLOYMENTS_ENV, str(tmp_path / "env"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadManifest) as caught:
        manifest.load("nowhere")
    assert str(tmp_path / "env" / "nowhere.json") in str(caught.value)
    assert str(tmp_path / "deployments" / "nowhere.json") in str(caught.value)


def test_from_addresses__the_same_states_as_the_manifest(user_protocol, rpc_url):
    data = user_protocol.manifest
    tokens = {symbol: entry["address"].lower() for symbol, entry in data["tokens"].items()}
    protocol = Protocol.from_addresses(data["lens"], data["collateral"], tokens, rpc_url)
    assert protocol.states() == user_protocol.states()


def test_from_addresses__token_without_address__bad_manifest():
    with pytest.raises(BadManifest):
        manifest.validate({"lens": "0x0", "collateral": "0x0", "tokens": {"BTC3L": {}}})
