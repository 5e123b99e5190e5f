"""ltsdk: SDK, reference math and keeper logic for on-chain leveraged tokens."""
