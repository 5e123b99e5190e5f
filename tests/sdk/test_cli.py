"""The `ltsdk` console script, run through its real entry point against a local anvil (the prompt
tests call `cli.main` in-process, to answer it and to make the local chain count as live)."""

import io
import json
import os
import re
import subprocess
import sys

import pytest

from ltsdk import cli as ltsdk_cli
from ltsdk import math
from ltsdk.cli import human, shares_text
from ltsdk.units import MAX_UINT256, USDC

TX_HASH = re.compile(r"tx 0x[0-9a-f]{64} \(gas [0-9,]+\)")


@pytest.fixture
def on_deployment(cli, manifest_file, rpc_url):
    """on_deployment(*args, key=None, ...): `ltsdk ARGS --rpc .. --manifest ..` (options after the
    command), signing with `key` if given."""

    def run(*args, key=None, env=None, **kwargs):
        environment = {**(env or {}), **({"LT_PRIVATE_KEY": key} if key else {})}
        return cli(*args, "--rpc", rpc_url, "--manifest", str(manifest_file), env=environment, **kwargs)

    return run


@pytest.fixture
def on_deployment_in_process(ltsdk_in_process, manifest_file, rpc_url):
    """As on_deployment, by ltsdk's main in this process (ltsdk_in_process: ~2 s of CPU less a run);
    the console script itself runs as a process in the other tests here."""

    def run(*args, key=None, env=None):
        environment = {**(env or {}), **({"LT_PRIVATE_KEY": key} if key else {})}
        command = (*args, "--rpc", rpc_url, "--manifest", str(manifest_file))
        code, out, err = ltsdk_in_process(*command, env=environment)
        return subprocess.CompletedProcess(command, code, out, err)

    return run


def test_status__table_of_every_token(cli, manifest_file, rpc_url):
    result = cli("--rpc", rpc_url, "--manifest", str(manifest_file), "status")
    assert result.returncode == 0, result.stderr
    for symbol in ("BTC3L", "BTC3S", "ETH3L", "ETH3S", "BTC5L", "BTC5S"):
        assert symbol in result.stdout
    assert "NAV/share" in result.stdout and "fresh" in result.stdout


def test_status__json_for_scripts(cli, manifest_file, rpc_url):
    result = cli("--rpc", rpc_url, "--manifest", str(manifest_file), "--json", "status")
    data = json.loads(result.stdout)
    assert data["BTC5L"]["target_leverage"] == str(5 * 10**18)
    assert data["BTC3L"]["status_name"] == "none"


def test_status__options_after_the_command__same_as_before(cli, manifest_file, rpc_url):
    before = cli("--rpc", rpc_url, "--manifest", str(manifest_file), "--json", "status")
    after = cli("status", "--json", "--manifest", str(manifest_file), "--rpc", rpc_url)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)


def test_reads__need_no_key__a_broken_one_is_not_read(on_deployment_in_process):
    on_deployment = on_deployment_in_process
    for env in ({"LT_PRIVATE_KEY": "0x1234"}, {"LT_KEYSTORE": "/nonexistent/keystore.json"}):
        result = on_deployment("status", env=env)
        assert result.returncode == 0 and "BTC3L" in result.stdout, result.stderr
        quote = on_deployment("quote", "BTC3L", "--deposit", "10", env=env)
        assert quote.returncode == 0 and " -> " in quote.stdout, quote.stderr


def test_status__output_closed_early__no_traceback(manifest_file, rpc_url):
    """`ltsdk --json status | head`: the reader goes away before the output is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    try:
        result = subprocess.run(
            [ltsdk_cli_path(), "--json", "status", "--rpc", rpc_url, "--manifest", str(manifest_file)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr == "" and result.returncode == ltsdk_cli.EXIT_FAILED


def ltsdk_cli_path():
    from pathlib import Path

    return str(Path(sys.executable).parent / "ltsdk")


def test_quote__human_units_with_fee_and_venue_cost(on_deployment, user_protocol):
    token = user_protocol.token("BTC3L")
    state = token.state()
    shares = token.preview_deposit(1_000 * USDC)

    result = on_deployment("quote", "btc3l", "--deposit", "1,000")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"1,000.00 USDC -> {shares_text(shares)} BTC3L"
    fee = math.fee(1_000 * USDC, state.mint_fee_bps)
    assert any(line.split()[:4] == ["mint", "fee", human(fee, 6), "USDC"] for line in lines), lines
    assert any(line.split()[:2] == ["venue", "cost"] for line in lines)
    assert any(line.split()[:2] == ["first-mint", "lock"] for line in lines)  # BTC3L is empty


def test_quote__json_breakdown_adds_up_to_the_payment(on_deployment, user_protocol):
    user_protocol.token("BTC3L").deposit(5_000 * USDC)
    data = json.loads(on_deployment("--json", "quote", "BTC3L", "--deposit", "1000").stdout)
    shares, nav_per_share = int(data["shares"]), int(data["nav_per_share"])
    fee, venue_cost = int(data["fee"]), int(data["venue_cost"])
    assert int(data["locked"]) == 0 and fee > 0 and venue_cost > 0
    assert fee + venue_cost + shares * nav_per_share // 10**18 == 1_000 * USDC
    assert data["text"] == f"1,000.00 USDC -> {shares_text(shares)} BTC3L"


def test_quote__redeem__human_units(on_deployment, user_protocol):
    token = user_protocol.token("BTC3L")
    token.deposit(1_000 * USDC)
    assets = token.preview_redeem(5 * 10**17)
    result = on_deployment("quote", "BTC3L", "--redeem", "0.5")
    assert result.stdout.splitlines()[0] == f"0.500000 BTC3L -> {human(assets, 6)} USDC", result.stderr
    assert "redeem fee" in result.stdout


def test_deposit_and_redeem__human_output_exact_approval(on_deployment, user_protocol, depositor, project):
    usdc = project.MockUSDC.at(user_protocol.manifest["collateral"])
    deposited = on_deployment("deposit", "btc3l", "1000", key=depositor.private_key)
    assert deposited.returncode == 0, deposited.stderr
    shares = user_protocol.token("BTC3L").balance_of(depositor.address)
    first, second = deposited.stdout.splitlines()
    assert first == f"deposited 1,000.00 USDC -> {shares_text(shares)} BTC3L to {depositor.address}"
    assert TX_HASH.fullmatch(second.strip())
    assert usdc.allowance(depositor, user_protocol.address_of("BTC3L")) == 0  # approved 1,000 exactly

    redeemed = on_deployment("redeem", "BTC3L", "0.5", key=depositor.private_key)
    assert redeemed.returncode == 0, redeemed.stderr
    assert redeemed.stdout.startswith("redeemed 0.500000 BTC3L -> ") and "USDC to " in redeemed.stdout


def test_deposit__approve_max_receiver_deadline_min_shares(
    on_deployment, user_protocol, depositor, other_depositor, project
):
    token = user_protocol.token("BTC3L")
    floor = token.preview_deposit(100 * USDC) * 99 // 100
    result = on_deployment(
        "--json", "deposit", "BTC3L", "100", "--approve-max", "--receiver", other_depositor.address,
        "--deadline", "60", "--min-shares", human(floor, 18, 18), key=depositor.private_key,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["owner"] == other_depositor.address and data["tx_hash"].startswith("0x")
    assert token.balance_of(other_depositor.address) == int(data["shares"]) >= floor
    usdc = project.MockUSDC.at(user_protocol.manifest["collateral"])
    assert usdc.allowance(depositor, token.address) == MAX_UINT256


def test_deposit_quote_and_redeem__json_with_key_from_environment(on_deployment, depositor, user_protocol):
    quote = on_deployment("--json", "quote", "BTC3L", "--deposit", "1000")
    assert quote.returncode == 0, quote.stderr
    expected_shares = int(json.loads(quote.stdout)["shares"])

    deposited = on_deployment("--json", "deposit", "BTC3L", "1000", key=depositor.private_key)
    assert deposited.returncode == 0, deposited.stderr
    assert int(json.loads(deposited.stdout)["shares"]) == expected_shares

    redeemed = on_deployment("--json", "redeem", "BTC3L", "0.5", key=depositor.private_key)
    assert redeemed.returncode == 0, redeemed.stderr
    assert int(json.loads(redeemed.stdout)["shares"]) == 5 * 10**17


def test_rebalance_and_split__human_output(on_deployment, user_protocol, admin, project):
    user_protocol.token("BTC3L").deposit(1_000 * USDC)
    oracle = project.MockOracle.at(user_protocol.manifest["markets"]["BTC"]["oracle"])
    oracle.set_price(54_000 * 10**8, sender=admin)  # out of the band

    rebalanced = on_deployment("rebalance", "btc3l", key=admin.private_key)

    assert rebalanced.returncode == 0, rebalanced.stderr
    first, second = rebalanced.stdout.splitlines()
    assert re.fullmatch(r"rebalanced BTC3L \(band\): leverage \d\.\d{3}x -> \d\.\d{3}x, size \S+ -> \S+", first), first
    assert TX_HASH.fullmatch(second.strip())
    split = on_deployment("split", "BTC3L", "10", key=admin.private_key)
    assert split.returncode == 0, split.stderr
    after = user_protocol.token("BTC3L").state().nav_per_share
    assert re.match(
        rf"split BTC3L by 10: NAV per share [0-9.,]+ USDC -> {re.escape(human(after, 6))} USDC", split.stdout
    )


def test_revert__typed_error_one_line(on_deployment, admin):
    result = on_deployment("rebalance", "BTC3L", key=admin.private_key)
    assert result.returncode == 2
    assert result.stderr.strip() == "ltsdk: NotNeeded: lt: not needed"


def test_help__names_units_and_defaults(cli):
    deposit = cli("deposit", "--help").stdout
    assert "USDC" in deposit and "default: 50" in deposit and "default: 900" in deposit
    assert "--approve-max" in deposit and "--min-shares" in deposit and "--receiver" in deposit
    backtest = cli("backtest", "--help").stdout
    assert "default: 30" in backtest and "2-9" in backtest


def test_backtest__prints_summary_and_writes_png(cli, tmp_path):
    png = tmp_path / "b.png"
    result = cli("backtest", "--days", "2", "--step", "600", "--png", str(png))
    assert result.returncode == 0, result.stderr
    assert "rebalances" in result.stdout and png.read_bytes()[:4] == b"\x89PNG"


def test_backtest__async_venue__sync_and_async_side_by_side_with_netting(cli):
    result = cli("backtest", "--venue", "async", "--days", "1", "--step", "900", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"sync", "async"}
    assert data["async"]["rounds_settled"] > 0 and "cost_saved" in data["async"]
    assert data["sync"]["rebalances"] is not None


# ---------------------------------------------------------------- the prompt on a live network


@pytest.fixture
def live_chain(monkeypatch, manifest_file, rpc_url, depositor, user_protocol, capsys):
    """in_process(answer, *args) -> (exit code, stderr): `ltsdk` in this process, with the test
    chain counted as a live network and `answer` on stdin."""
    monkeypatch.setattr(ltsdk_cli, "LOCAL_CHAIN_IDS", frozenset())
    monkeypatch.setenv("LT_PRIVATE_KEY", depositor.private_key)
    monkeypatch.delenv("LT_KEYSTORE", raising=False)

    def in_process(answer, *args):
        monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
        code = ltsdk_cli.main([*args, "--rpc", rpc_url, "--manifest", str(manifest_file)])
        return code, capsys.readouterr().err

    return in_process


def test_prompt__live_network__declined_sends_nothing(live_chain, depositor, nonce_of):
    before = nonce_of(depositor)
    for answer in ("n\n", "\n", ""):  # no, an empty line, end of input
        code, err = live_chain(answer, "deposit", "BTC3L", "100")
        assert code == ltsdk_cli.EXIT_FAILED
        assert "deposit 100.00 USDC into BTC3L, on chain 31337" in err and "Send? [y/N]" in err
        assert err.rstrip().endswith("declined: nothing was sent")
    assert nonce_of(depositor) == before


def test_prompt__live_network__bad_input_refused_without_asking(live_chain, depositor, nonce_of):
    before = nonce_of(depositor)
    for args in (("deposit", "BTC3L", "100", "--slippage-bps", "-1"), ("redeem", "BTC3L", "1", "--deadline", "0")):
        code, err = live_chain("y\n", *args)
        assert code == ltsdk_cli.EXIT_BAD_INPUT and "Send?" not in err and len(err.splitlines()) == 1, err
    assert nonce_of(depositor) == before


def test_prompt__live_network__yes_sends(live_chain, depositor, user_protocol):
    code, err = live_chain("y\n", "deposit", "BTC3L", "100")
    assert code == 0 and "Send? [y/N]" in err
    code, err = live_chain("", "deposit", "BTC3L", "100", "--yes")
    assert code == 0 and err == ""
    assert user_protocol.token("BTC3L").balance_of(depositor.address) > 0


def test_prompt__local_chain__sends_without_asking(
    monkeypatch, manifest_file, rpc_url, depositor, user_protocol, capsys
):
    monkeypatch.setenv("LT_PRIVATE_KEY", depositor.private_key)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert ltsdk_cli.main(["deposit", "BTC3L", "100", "--rpc", rpc_url, "--manifest", str(manifest_file)]) == 0
    assert capsys.readouterr().err == ""


def test_configure_execute_cancel__a_parameter_change_from_the_command_line(
    on_deployment_in_process, user_protocol, admin
):
    """The admin's queue on the command line: a fee cut acts at once; a rise is queued (JSON: its
    id and eta, raw integers as strings); executing it early is a typed one-line error; the admin
    cancels it; a wrong setter or count is refused before anything is sent."""
    on_deployment = on_deployment_in_process
    user_protocol.token("ETH3S").deposit(1_000 * USDC)

    cut = on_deployment("configure", "eth3s", "set_fees", "5", "5", "300", key=admin.private_key)
    assert cut.returncode == 0, cut.stderr
    first, second = cut.stdout.splitlines()
    assert first == "set_fees on ETH3S: acted at once"
    assert TX_HASH.fullmatch(second.strip())
    rise = on_deployment("--json", "configure", "ETH3S", "set_fees", "20", "20", "300", key=admin.private_key)
    assert rise.returncode == 0, rise.stderr
    queued = json.loads(rise.stdout)["queued"]
    assert re.fullmatch(r"0x[0-9a-f]{64}", queued["change_id"]) and int(queued["eta"]) > 0

    early = on_deployment("execute", "ETH3S", queued["change_id"], key=admin.private_key)
    assert early.returncode == 2
    assert early.stderr.strip() == "ltsdk: ChangeTooEarly: configurator: too early"
    cancelled = on_deployment("cancel", "ETH3S", queued["change_id"], key=admin.private_key)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.startswith(f"cancelled {queued['change_id']} of ETH3S")
    assert user_protocol.token("ETH3S").contract.functions.mint_fee_bps().call() == 5

    wrong_count = on_deployment("configure", "ETH3S", "set_fees", "1", key=admin.private_key)
    assert wrong_count.returncode == 2 and "set_fees takes 3 value(s), got 1" in wrong_count.stderr
    for setter in ("set_target_leverage", "set_parameters"):
        unknown = on_deployment("configure", "ETH3S", setter, "4", key=admin.private_key)
        assert unknown.returncode == 2 and "unknown setter" in unknown.stderr
