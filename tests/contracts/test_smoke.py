def test_deposit_then_redeem__round_trip_returns_less_than_paid(token, depositor, fund, usdc):
    fund(depositor, token, 1_000 * 10**6)
    preview = token.previewDeposit(1_000 * 10**6)
    token.deposit(1_000 * 10**6, sender=depositor)
    shares = token.balanceOf(depositor)
    print("preview", preview, "shares", shares, "lev", token.current_leverage(), "nav", token.totalAssets())
    assert shares > 0
    paid = token.redeem(shares, sender=depositor).return_value
    print("paid", paid, usdc.balanceOf(depositor))
    assert usdc.balanceOf(depositor) < 1_000 * 10**6
