# pragma version ~=0.4.3
"""
@title Shared constants
@notice Units used across the protocol (see docs/protocol.md).
"""

WAD: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000
