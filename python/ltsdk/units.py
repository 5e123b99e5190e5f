"""Units and fixed scales shared by the SDK, the model, the scripts and the tests (the Python side of
contracts/constants.vy): one home for every `10**18`, `10**6` and basis-point denominator."""

WAD = 10**18  # fixed-point one: prices, leverage, sizes, shares (18 decimals)
BPS = 10_000  # basis points in one
USDC = 10**6  # one whole unit of the 6-decimal mock collateral
GWEI = 10**9  # wei per gwei
MAX_UINT256 = 2**256 - 1
MIN_INT256, MAX_INT256 = -(2**255), 2**255 - 1

MINUTE = 60  # seconds
HOUR = 3_600  # seconds
DAY = 86_400  # seconds
YEAR = 365 * DAY  # seconds: the contracts' SECONDS_PER_YEAR
SECONDS_PER_YEAR = YEAR
