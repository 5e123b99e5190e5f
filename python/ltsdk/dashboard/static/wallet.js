// The browser wallet (EIP-1193 window.ethereum): connect an account, and send the transactions the
// server built with the SDK for a mint or a redeem. Nothing here signs or builds a transaction.
(function () {
  "use strict";
  const eth = window.ethereum;
  let account = null;

  function byId(id) { return document.getElementById(id); }
  function status(text) { const el = byId("wallet-status"); if (el) el.textContent = text; }
  function fail(text) {
    const el = byId("wallet-error");
    if (el) el.textContent = text; else window.alert(text);
  }
  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  function show(address) {
    account = address || null;
    const link = byId("account");
    if (!link) return;
    link.textContent = account ? account.slice(0, 6) + "…" + account.slice(-4) : "";
    link.href = account ? "/holder/" + account : "#";
    const button = byId("connect");
    if (button) button.hidden = Boolean(account);
  }

  async function connect() {
    if (!eth) { fail("No browser wallet found (window.ethereum): install one to mint or redeem here."); return null; }
    const accounts = await eth.request({ method: "eth_requestAccounts" });
    show(accounts[0]);
    return account;
  }

  async function receipt(hash) {
    for (;;) {
      const found = await eth.request({ method: "eth_getTransactionReceipt", params: [hash] });
      if (found) return found;
      await sleep(250);
    }
  }

  async function send(side, amount) {
    fail("");
    const sender = account || (await connect());
    if (!sender) return;
    const symbol = byId("symbol").dataset.symbol;
    const response = await fetch("/api/transactions/" + side, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ symbol: symbol, amount: amount, sender: sender }),
    });
    const plan = await response.json();
    if (plan.error) { fail(plan.error + ": " + plan.message); return; }
    const count = plan.transactions.length;
    let mined = null;
    for (let i = 0; i < count; i++) {
      const tx = plan.transactions[i];
      status("Quote: " + plan.summary + ". Transaction " + (i + 1) + "/" + count + ": " + tx.description + ": confirm it in your wallet");
      const hash = await eth.request({ method: "eth_sendTransaction", params: [tx.request] });
      status("Transaction " + (i + 1) + "/" + count + " sent (" + hash + "), waiting for it to be mined");
      mined = await receipt(hash);
      if (mined.status !== "0x1") { fail("Transaction " + hash + " reverted"); return; }
    }
    const el = byId("wallet-status");
    el.textContent = "Done in block " + parseInt(mined.blockNumber, 16) + ": " + plan.summary + ". ";
    el.dataset.tx = mined.transactionHash;
    const link = document.createElement("a");
    link.href = "/holder/" + sender;
    link.id = "holdings";
    link.textContent = "Your holdings";
    el.appendChild(link);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const button = byId("connect");
    if (button) button.addEventListener("click", function () { connect().catch((e) => fail(e.message || String(e))); });
    if (eth) eth.request({ method: "eth_accounts" }).then((accounts) => show(accounts[0])).catch(() => show(null));
    for (const send_button of document.querySelectorAll("button.send")) {
      send_button.addEventListener("click", function () {
        const amount = byId(send_button.dataset.input).value.trim();
        send(send_button.dataset.side, amount).catch((e) => fail((e && e.message) || String(e)));
      });
    }
  });
})();
