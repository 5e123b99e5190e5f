"""Deploy the protocol and write deployments/<network>.json.

uv run ape run deploy --network ethereum:local:foundry
LT_DEPLOYER=<ape account alias> SEPOLIA_RPC_URL=... uv run ape run deploy --network ethereum:sepolia:node
"""

from ape import accounts, chain, networks, project

from ltsdk.deploy import ApeBackend, deploy_protocol, manifest_json, select_deployer, write_manifest


def main():
    network_choice = networks.provider.network_choice
    deployer = select_deployer(accounts, network_choice)
    manifest = deploy_protocol(ApeBackend(project, deployer))
    data = manifest_json(manifest, chain.chain_id, network_choice, chain.blocks.head.number)
    path = write_manifest(data, network_choice)
    print(f"deployed {len(data['tokens'])} tokens on {network_choice} (chain {chain.chain_id}); manifest: {path}")
    for symbol, token in data["tokens"].items():
        print(f"  {symbol:6} {token['address']}")
