"""A deployment interrupted part-way resumes from the manifest it wrote so far: nothing it holds is
deployed again, and nothing already done on chain (venue funding, tokens, bands, roles) is sent
again. Also the confirmation wait's timeout, and which manifest a deploy starts from."""

import json

import pytest

from ltsdk.deploy import ApeBackend, ConfirmationTimeout, deploy_protocol, start_record
from ltsdk.errors import BadManifest
from ltsdk.manifest import load as load_manifest

CONTRACTS_IN_A_DEPLOYMENT = (
    12  # USDC, 2 x (oracle, venue), views, configurator, 2 blueprints, round math, factory, lens
)


class Interrupted(Exception):
    pass


class CountingBackend(ApeBackend):
    """ApeBackend that counts creations and calls, and dies before creation number `stop_at`."""

    def __init__(self, project, sender, stop_at=None):
        super().__init__(project, sender)
        self.stop_at = stop_at
        self.creations = 0
        self.transactions = 0

    def _created(self):
        if self.stop_at is not None and self.creations == self.stop_at:
            raise Interrupted
        self.creations += 1

    def deploy(self, name, *args):
        self._created()
        return super().deploy(name, *args)

    def deploy_blueprint(self, name):
        self._created()
        return super().deploy_blueprint(name)

    def transact(self, contract, method, *args):
        self.transactions += 1
        super().transact(contract, method, *args)


@pytest.mark.parametrize("interrupt_after", [3, 8])
def test_deploy__interrupted_after_n_contracts__rerun_deploys_only_the_rest(
    project, admin, keeper, chain, tmp_path, interrupt_after
):
    path = tmp_path / "sepolia.json"
    has_code = lambda address: bool(chain.provider.get_code(address))  # noqa: E731
    record, note = start_record(path, chain.chain_id, "ethereum:sepolia:node", has_code)
    assert note.startswith("new deployment")
    with pytest.raises(Interrupted):
        deploy_protocol(CountingBackend(project, admin, stop_at=interrupt_after), keeper=keeper, record=record)
    partial = json.loads(path.read_text())
    assert partial["partial"] is True and partial["network"] == "ethereum:sepolia"
    with pytest.raises(BadManifest, match="unfinished deployment"):
        load_manifest(path)  # the SDK refuses half a deployment

    record, note = start_record(path, chain.chain_id, "ethereum:sepolia:node", has_code)
    assert note.startswith("resuming")
    backend = CountingBackend(project, admin)
    manifest = deploy_protocol(backend, keeper=keeper, record=record)
    assert backend.creations == CONTRACTS_IN_A_DEPLOYMENT - interrupt_after
    assert len(record.reused) == interrupt_after and len(record.deployed) == backend.creations
    kept = json.loads(path.read_text())
    for key in ("collateral", "views", "configurator", "blueprint", "factory", "lens"):
        if key in partial:
            assert kept[key] == partial[key] == manifest[key]
    assert kept["markets"]["BTC"] == partial["markets"]["BTC"] == manifest["markets"]["BTC"]

    # a third run over the finished deployment creates nothing and sends nothing
    again = CountingBackend(project, admin)
    record, _ = start_record(path, chain.chain_id, "ethereum:sepolia:node", has_code)
    assert deploy_protocol(again, keeper=keeper, record=record)["tokens"] == manifest["tokens"]
    assert (again.creations, again.transactions) == (0, 0)


def test_start_record__manifest_of_another_chain__refused(tmp_path):
    path = tmp_path / "sepolia.json"
    path.write_text(json.dumps({"chain_id": 1, "network": "ethereum:mainnet", "collateral": "0x" + "11" * 20}))
    with pytest.raises(SystemExit, match="is for chain 1, this node is chain 11155111"):
        start_record(path, 11155111, "ethereum:sepolia:node", lambda address: True)


def test_start_record__contracts_missing__error_on_a_testnet_fresh_start_on_local(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"chain_id": 31337, "collateral": "0x" + "11" * 20}))
    with pytest.raises(SystemExit, match="no code on chain 31337"):
        start_record(path, 31337, "ethereum:sepolia:node", lambda address: False)
    record, note = start_record(path, 31337, "ethereum:local:foundry", lambda address: False)
    assert "deploying anew" in note and record.get("collateral") is None


class StillChain:
    """A chain whose head never moves (an automining node with nothing else to mine); the
    attribute names are ape's `chain.blocks.head.number`."""

    class blocks:
        class head:
            number = 7


def test_confirmations__chain_makes_no_blocks__times_out_with_a_message(project, admin):
    backend = ApeBackend(project, admin, 2, confirm_timeout_seconds=0.2, chain=StillChain, poll_seconds=0.05)
    with pytest.raises(ConfirmationTimeout, match=r"0xabc \(block 7\) has 0 of 2 confirmations after 0.2 s.*resumes"):
        backend._confirm("0xabc", 7)
