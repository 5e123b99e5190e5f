# pragma version ~=0.4.3
"""
@title Mock Chainlink price feed
@notice AggregatorV3-compatible feed whose answer is pushed by an updater. Besides normal
        updates (`set_price`), the owner can inject any raw round (stale, zero, negative,
        incomplete) to test how consumers react to a misbehaving feed.
@custom:kill Not killable: a test-network price feed; the owner stops updating it.
"""

from ..interfaces import IAggregatorV3

implements: IAggregatorV3

event AnswerUpdated:
    current: indexed(int256)
    roundId: indexed(uint256)
    updatedAt: uint256

event UpdaterSet:
    updater: indexed(address)
    enabled: bool


struct Round:
    answer: int256
    started_at: uint256
    updated_at: uint256
    answered_in_round: uint80


decimals: public(immutable(uint8))
description: public(String[64])
version: public(constant(uint256)) = 4
owner: public(immutable(address))

is_updater: public(HashMap[address, bool])
latest_round: public(uint80)
rounds: HashMap[uint80, Round]


@deploy
def __init__(decimals_: uint8, description_: String[64], initial_answer: int256):
    decimals = decimals_
    owner = msg.sender
    self.description = description_
    self.is_updater[msg.sender] = True
    log UpdaterSet(updater=msg.sender, enabled=True)
    self._push(initial_answer)


@external
def set_updater(updater: address, enabled: bool):
    assert msg.sender == owner, "oracle: not owner"
    self.is_updater[updater] = enabled
    log UpdaterSet(updater=updater, enabled=enabled)


@external
def set_price(answer: int256):
    """
    @notice Push a new answer (feed decimals) as a new, complete round at the current time.
    """
    assert self.is_updater[msg.sender], "oracle: not updater"
    self._push(answer)


@external
def set_round_data(answer: int256, updated_at: uint256, answered_in_round_offset: uint80):
    """
    @notice Fault injection (owner only): start a new round with any answer and update time.
            `answered_in_round_offset` > 0 makes the round incomplete
            (answeredInRound = roundId - offset), as a Chainlink consumer must detect.
    """
    assert msg.sender == owner, "oracle: not owner"
    round_id: uint80 = self.latest_round + 1
    self.latest_round = round_id
    self.rounds[round_id] = Round(
        answer=answer,
        started_at=updated_at,
        updated_at=updated_at,
        answered_in_round=round_id - answered_in_round_offset,
    )
    log AnswerUpdated(current=answer, roundId=convert(round_id, uint256), updatedAt=updated_at)


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return self._round_data(self.latest_round)


@external
@view
def getRoundData(round_id: uint80) -> (uint80, int256, uint256, uint256, uint80):
    assert round_id <= self.latest_round and round_id > 0, "oracle: no data"
    return self._round_data(round_id)


@external
@view
def latestAnswer() -> int256:
    return self.rounds[self.latest_round].answer


@internal
@view
def _round_data(round_id: uint80) -> (uint80, int256, uint256, uint256, uint80):
    r: Round = self.rounds[round_id]
    return round_id, r.answer, r.started_at, r.updated_at, r.answered_in_round


@internal
def _push(answer: int256):
    round_id: uint80 = self.latest_round + 1
    self.latest_round = round_id
    self.rounds[round_id] = Round(
        answer=answer,
        started_at=block.timestamp,
        updated_at=block.timestamp,
        answered_in_round=round_id,
    )
    log AnswerUpdated(current=answer, roundId=convert(round_id, uint256), updatedAt=block.timestamp)
