// The portal's GraphiQL page (/portal/graphiql): GraphiQL 2 from the jar, with a fetcher that posts to
// /portal/graphql on this origin, which relays to the BFF's client listener with the developer's token (see
// GraphiqlRelay). The tokens stay in this tab's memory only. A static file: the page's CSP allows no inline script.
"use strict";
(function () {
  const form = document.getElementById("tokens");
  const message = document.getElementById("message");
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));

  function say(text, bad) {
    message.textContent = text || "";
    message.className = bad ? "bad" : "";
  }

  function value(id) {
    return document.getElementById(id).value.trim();
  }

  // A new fetcher per "Use": GraphiQL fetches the schema again (introspection) with the new token.
  function fetcher(token, credential, adminToken) {
    return function (params) {
      const headers = { "Content-Type": "application/json", Accept: "application/json" };
      if (adminToken) headers.Authorization = "Bearer " + adminToken;
      const body = { query: params.query, variables: params.variables || null, operationName: params.operationName || null };
      if (token) { body.token = token; body.credential = credential; }
      return fetch("graphql", { // relative: this page is at {portal}/graphiql
        method: "POST", headers: headers, body: JSON.stringify(body), cache: "no-store", credentials: "same-origin"
      }).then(function (r) {
        return r.text().then(function (text) {
          let answer;
          try {
            answer = JSON.parse(text);
          } catch (e) {
            answer = { errors: [{ message: "HTTP " + r.status + ": " + text.slice(0, 500) }] };
          }
          // The admin listener's own errors are {"error": {...}}; the BFF's GraphQL answers are {"data", "errors"}.
          if (answer && answer.error && r.status === 401) {
            say(adminToken ? "admin token refused" : "this admin listener needs its admin token", true);
          } else {
            say(r.status >= 400 ? "HTTP " + r.status : "", r.status >= 400);
          }
          return answer;
        });
      });
    };
  }

  function render() {
    root.render(React.createElement(GraphiQL, {
      fetcher: fetcher(value("token"), document.getElementById("credential").value, value("admintoken")),
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: false // the relay sends no header of the page's; the token field is the credential
    }));
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    render();
  });
  render();
})();
