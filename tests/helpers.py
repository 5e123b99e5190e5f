"""Small helpers shared by test modules (fixtures live in conftest.py)."""

from ltsdk import model


def split_status_of(token):
    """What a keeper reads from the lens: ltsdk.model.split_status over the token's public state."""
    return model.split_status(
        token.nav_per_share(), token.totalSupply() > 0, token.split_lower_nav(), token.split_upper_nav()
    )
