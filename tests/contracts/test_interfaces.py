"""Typed boundaries: interfaces/ILeveragedToken.vyi is the token's whole public surface (its
parameter setters live in the configurator, which calls the token's `configure` through it), the
token declares it with `implements:`, and the lens and the configurator call the token through
it, so a renamed getter is a compile error in all three. The token calls its views contract
through that contract's own interface, so a renamed views function or a FundState field changed
on one side is a compile error too.

Compiled with vyper directly (no chain): the sources as they are, and copies with one name
changed, resolved against the real contracts folder and snekmate in site-packages.
"""

from __future__ import annotations

import shutil
import site
from functools import cache
from pathlib import Path

import pytest
import vyper
from vyper.compiler.input_bundle import FilesystemInputBundle
from vyper.exceptions import InterfaceViolation, UnknownAttribute

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
TOKEN = CONTRACTS / "LeveragedToken.vy"
LENS = CONTRACTS / "LeveragedTokenLens.vy"
CONFIGURATOR = CONTRACTS / "LeveragedTokenConfigurator.vy"
VIEWS = CONTRACTS / "LeveragedTokenViews.vy"
INTERFACE = CONTRACTS / "interfaces" / "ILeveragedToken.vyi"

# events the token takes from the standard interfaces (IERC20, IERC4626) and snekmate's access control
STANDARD_EVENTS = {"Transfer", "Approval", "Deposit", "Withdraw", "RoleGranted", "RoleRevoked"}


def _compile_abi(path: Path, source: str | None = None, root: Path = CONTRACTS.parent) -> list[dict]:
    bundle = FilesystemInputBundle([root, *map(Path, site.getsitepackages())])
    output = vyper.compile_code(
        path.read_text() if source is None else source,
        contract_path=str(path),
        input_bundle=bundle,
        output_formats=["abi"],
    )
    return output["abi"]


@cache
def compiled_abi(name: str) -> list[dict]:
    return _compile_abi({"token": TOKEN, "interface": INTERFACE}[name])


def _functions(abi: list[dict]) -> set[tuple]:
    """Each function (every overload) by name, argument types, return types and mutability."""
    return {
        (
            item["name"],
            tuple(i["type"] for i in item["inputs"]),
            tuple(o["type"] for o in item["outputs"]),
            item["stateMutability"],
        )
        for item in abi
        if item["type"] == "function"
    }


def _events(abi: list[dict]) -> dict[str, tuple]:
    return {
        item["name"]: tuple((i["name"], i["type"], i["indexed"]) for i in item["inputs"])
        for item in abi
        if item["type"] == "event"
    }


def test_interface__every_token_function__same_types():
    token = _functions(compiled_abi("token"))
    interface = _functions(compiled_abi("interface"))
    assert token == interface
    assert not {f[0] for f in token if f[0].startswith("set_")}  # the setters are the configurator's


def test_interface__adapter_getter__returns_the_address_abi_type():
    assert ("adapter", (), ("address",), "view") in _functions(compiled_abi("interface"))


def test_interface__configure__takes_the_parameters_struct():
    (configure,) = [item for item in compiled_abi("interface") if item.get("name") == "configure"]
    (argument,) = configure["inputs"]
    assert argument["type"] == "tuple"
    assert "target_leverage" not in {component["name"] for component in argument["components"]}


def test_interface__events__are_the_tokens_own():
    token = _events(compiled_abi("token"))
    interface = _events(compiled_abi("interface"))
    assert set(token) == set(interface) | STANDARD_EVENTS
    assert all(token[name] == fields for name, fields in interface.items())


@pytest.mark.parametrize("getter", ["nav_per_share", "band_bps", "totalSupply"])
def test_token__renamed_getter__fails_to_compile(getter):
    if f"def {getter}(" in TOKEN.read_text():
        source = TOKEN.read_text().replace(f"def {getter}(", f"def {getter}_renamed(")
    else:  # a public storage variable's getter, or one the token exports from the share ledger
        source = TOKEN.read_text().replace(f"\n{getter}: public(", f"\n{getter}_renamed: public(")
        source = source.replace(f"    share_ledger.{getter},\n", "")
    assert source != TOKEN.read_text()
    with pytest.raises(InterfaceViolation, match=getter):
        _compile_abi(TOKEN, source)


def test_configurator__getter_not_in_the_interface__fails_to_compile():
    source = CONFIGURATOR.read_text().replace("staticcall t.band_bps()", "staticcall t.band_bps_renamed()")
    assert source != CONFIGURATOR.read_text()
    with pytest.raises(UnknownAttribute):
        _compile_abi(CONFIGURATOR, source)


def test_lens__getter_not_in_the_interface__fails_to_compile():
    source = LENS.read_text().replace("staticcall t.nav_per_share()", "staticcall t.nav_per_share_renamed()")
    assert source != LENS.read_text()
    with pytest.raises(UnknownAttribute):
        _compile_abi(LENS, source)


@pytest.mark.parametrize("function", ["preview_deposit", "max_redeem", "rebalance_status"])
def test_token__views_function_renamed__fails_to_compile(function, tmp_path):
    """The views contract renamed in a copy of the contracts folder: the token no longer compiles."""
    copy = tmp_path / "contracts"
    shutil.copytree(CONTRACTS, copy)
    views = copy / VIEWS.name
    views.write_text(views.read_text().replace(f"def {function}(", f"def {function}_renamed("))
    token = copy / TOKEN.name
    with pytest.raises(UnknownAttribute, match=function):
        _compile_abi(token, token.read_text(), root=tmp_path)
