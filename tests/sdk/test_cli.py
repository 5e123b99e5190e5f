"""The `ltsdk` console script, run through its real entry point against a local anvil."""

import json
import os
import subprocess
import sys
from pathlib import Path

LTSDK = str(Path(sys.executable).parent / "ltsdk")


def run(*args, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LT_")}
    environment.update(env or {})
    return subprocess.run([LTSDK, *args], check=False, capture_output=True, text=True, env=environment, timeout=120)


def test_status__table_of_every_token(manifest_file, rpc_url):
    result = run("--rpc", rpc_url, "--manifest", str(manifest_file), "status")
    assert result.returncode == 0, result.stderr
    for symbol in ("BTC3L", "BTC3S", "ETH3L", "ETH3S", "BTC5L", "BTC5S"):
        assert symbol in result.stdout
    assert "NAV/share" in result.stdout and "fresh" in result.stdout


def test_status__json_for_scripts(manifest_file, rpc_url):
    result = run("--rpc", rpc_url, "--manifest", str(manifest_file), "--json", "status")
    data = json.loads(result.stdout)
    assert data["BTC5L"]["target_leverage"] == str(5 * 10**18)
    assert data["BTC3L"]["status_name"] == "none"


def test_deposit_quote_and_redeem__with_key_from_environment(manifest_file, rpc_url, depositor, user_protocol):
    env = {"LT_PRIVATE_KEY": depositor.private_key}
    quote = run("--rpc", rpc_url, "--manifest", str(manifest_file), "--json", "quote", "BTC3L", "--deposit", "1000")
    assert quote.returncode == 0, quote.stderr
    expected_shares = int(json.loads(quote.stdout)["shares"])

    deposited = run("--rpc", rpc_url, "--manifest", str(manifest_file), "--json", "deposit", "BTC3L", "1000", env=env)
    assert deposited.returncode == 0, deposited.stderr
    assert int(json.loads(deposited.stdout)["shares"]) == expected_shares

    redeemed = run("--rpc", rpc_url, "--manifest", str(manifest_file), "--json", "redeem", "BTC3L", "0.5", env=env)
    assert redeemed.returncode == 0, redeemed.stderr
    assert int(json.loads(redeemed.stdout)["shares"]) == 5 * 10**17


def test_bad_input__one_line_and_exit_two(manifest_file, rpc_url, depositor):
    base = ("--rpc", rpc_url, "--manifest", str(manifest_file))
    cases = [
        ((*base, "quote", "DOGE9L", "--deposit", "1"), "unknown token"),
        ((*base, "quote", "BTC3L", "--deposit", "abc"), "must be a number"),
        ((*base, "quote", "BTC3L", "--deposit", "-5"), "must be positive"),
        ((*base, "quote", "BTC3L", "--deposit", "0.0000001"), "at most 6 decimals"),
        ((*base, "deposit", "BTC3L", "100"), "NoSigner"),
        ((*base, "split", "BTC3L", "ten"), "whole number"),
        (("--rpc", "http://127.0.0.1:9", "--manifest", str(manifest_file), "status"), "cannot reach"),
        (("--manifest", "/nonexistent/manifest.json", "status"), "cannot read manifest"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_unreadable_keystore__one_line_error_not_a_crash(manifest_file, rpc_url, tmp_path):
    """An OSError while the SDK is set up (before any protocol exists) is reported like bad input;
    it used to reach the RPC error's message, which named an unbound `protocol` and crashed."""
    missing = tmp_path / "no-such-keystore.json"
    result = run("--rpc", rpc_url, "--manifest", str(manifest_file), "status", env={"LT_KEYSTORE": str(missing)})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("ltsdk: cannot load the account:") and str(missing) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_revert__typed_error_one_line(manifest_file, rpc_url, admin):
    result = run(
        "--rpc",
        rpc_url,
        "--manifest",
        str(manifest_file),
        "rebalance",
        "BTC3L",
        env={"LT_PRIVATE_KEY": admin.private_key},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "ltsdk: NotNeeded: lt: not needed"


def test_backtest__prints_summary_and_writes_png(tmp_path):
    png = tmp_path / "b.png"
    result = run("backtest", "--days", "2", "--step", "600", "--png", str(png))
    assert result.returncode == 0, result.stderr
    assert "rebalances" in result.stdout and png.read_bytes()[:4] == b"\x89PNG"
