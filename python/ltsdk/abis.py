"""The contract ABIs the SDK ships (python/ltsdk/abi/*.json), so it runs without ape or a build.

`python -m ltsdk.abis` re-exports them from ape's build output (`make abis`); a test holds the
shipped files equal to the compiled contracts.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

ABI_DIR = Path(__file__).parent / "abi"
BUILD_FILE = Path(__file__).resolve().parents[2] / ".build" / "__local__.json"  # ape's compiler output
SHIPPED = (
    "LeveragedToken",
    "LeveragedTokenConfigurator",
    "LeveragedTokenLens",
    "LeveragedTokenFactory",
    "MockUSDC",
    "MockPerpAdapter",
    "MockOracle",
)


@cache
def load_abi(name: str) -> list[dict]:
    return json.loads((ABI_DIR / f"{name}.json").read_text())


def export(build_file: Path = BUILD_FILE) -> list[Path]:
    contract_types = json.loads(build_file.read_text())["contractTypes"]
    ABI_DIR.mkdir(exist_ok=True)
    written = []
    for name in SHIPPED:
        path = ABI_DIR / f"{name}.json"
        path.write_text(json.dumps(contract_types[name]["abi"], indent=1, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export():
        print(path)
