"""One plotting set-up for the backtester's and the simulation's charts: a headless matplotlib,
the colour of each rebalance reason, and saving a figure to a path (needs the `plot` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# a keeper action's vertical marker, by rebalance reason label (grey for anything else)
REASON_COLORS = {"scheduled": "tab:green", "band": "tab:orange", "chunk": "tab:purple", "ripcord": "tab:red"}
OTHER_COLOR = "grey"


def reason_color(label: str) -> str:
    return REASON_COLORS.get(label, OTHER_COLOR)


def pyplot() -> Any:
    """matplotlib.pyplot on the file-only Agg backend (no display is needed or used)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: str | Path, **savefig_options: Any) -> Path:
    """Write `fig` to `path` (creating its folder) and free it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, **savefig_options)
    pyplot().close(fig)
    return path
