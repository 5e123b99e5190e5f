# pragma version ~=0.4.3
"""
@title Shared constants
@notice Units used across the protocol (see docs/protocol.md).
"""

WAD: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000
# shares locked in a token at its first mint (0.001 share): a donation attack then costs the
# attacker far more than it could take from the next depositor
DEAD_SHARES: constant(uint256) = 10**15
