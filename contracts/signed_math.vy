# pragma version ~=0.4.3
"""
@title Signed integer rounding
@notice The EVM's signed division truncates toward zero; money needs an explicit direction.
        Both functions are exact for any non-zero divisor (the callers' divisors are positive);
        a zero divisor or the one overflowing quotient, min_value(int256) / -1, reverts.
"""


@internal
@pure
def _floor_div(a: int256, b: int256) -> int256:
    """
    @dev a / b rounded toward minus infinity.
    """
    q: int256 = a // b
    if a % b != 0 and (a < 0) != (b < 0):
        q -= 1
    return q


@internal
@pure
def _ceil_div(a: int256, b: int256) -> int256:
    """
    @dev a / b rounded toward plus infinity.
    """
    q: int256 = a // b
    if a % b != 0 and (a < 0) == (b < 0):
        q += 1
    return q
