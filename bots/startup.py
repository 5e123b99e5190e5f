"""What each Silverback bot of bots/ does as it starts: a start-up mistake stops it in one line, its
JSON log lines go to stdout, and it refuses to keep a throwaway anvil. Nothing here imports ape or
silverback, so a bot checks its environment before it connects."""

from __future__ import annotations

import logging
import sys
from typing import Any, NoReturn


def refuse(bot: str, message: str) -> NoReturn:
    """A start-up mistake of `bot` (its name, e.g. "keeper bot"): one line on stderr, exit status 2."""
    print(f"{bot}: {message}", file=sys.stderr)
    raise SystemExit(2)


def log_to_stdout(logger_name: str) -> None:
    """`logger_name`'s lines (ltsdk's keepers log one JSON object a line, each stamped `ts`) on
    stdout as they are, beside Silverback's own log, and not again through the root logger."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger(logger_name)
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def check_node(bot: str, provider: Any) -> None:
    """ape-foundry starts an anvil of its own when no node answers at its host (or the host is
    "auto"): the bot would keep an empty throwaway chain. Refuse instead."""
    if getattr(provider, "process", None) is not None:
        refuse(
            bot,
            "no node answers at the configured host, so ape started a throwaway anvil: start your node "
            "(or set APE_FOUNDRY_HOST to it) and pass --network before the bot's path",
        )
