// An EIP-1193 provider for the browser tests: window.ethereum forwards every request to the test
// chain's JSON-RPC, where the account is unlocked (anvil's dev accounts), so eth_sendTransaction
// is signed by the node, as a wallet would sign it. __RPC_URL__ and __ACCOUNT__ are filled in.
(function () {
  "use strict";
  const rpcUrl = "__RPC_URL__";
  const account = "__ACCOUNT__";
  let id = 0;
  window.__sentTransactions = [];
  window.ethereum = {
    isTestProvider: true,
    async request(args) {
      const method = args.method;
      const params = args.params || [];
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      if (method === "eth_sendTransaction") window.__sentTransactions.push(params[0]);
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: method, params: params }),
      });
      const body = await response.json();
      if (body.error) {
        const error = new Error(body.error.message);
        error.code = body.error.code;
        throw error;
      }
      return body.result;
    },
  };
})();
