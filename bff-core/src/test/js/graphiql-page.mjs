// Opens GraphiQL in the developer portal (/portal/graphiql on the admin listener) in Debian's headless Chromium
// (never a downloaded browser), enters the tokens, sets a query in the editor, runs it and reads the answer in the
// result pane; then keeps a screenshot. Run by GraphiqlBrowserTest, which starts a BFF and passes, in the environment:
//   PORTAL_URL    origin of the admin listener;  ADMIN_TOKEN the admin token
//   QUERY         the GraphQL query to run;      API_KEY the developer's API key
//   EXPECT        a text the answer must contain
//   SCREENSHOT    where to save the PNG; USER_DATA_DIR a fresh profile; CHROMIUM the browser
import { chromium } from "playwright-core";

const env = name => process.env[name] || "";
const origin = env("PORTAL_URL");
const timeout = 30000;
const problems = [];
const offOrigin = [];

const context = await chromium.launchPersistentContext(env("USER_DATA_DIR"), {
  executablePath: env("CHROMIUM") || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 1280, height: 800 },
  timeout,
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(timeout);
  // Every console error counts (a CSP violation is one), but the 401 of the first schema fetch before the tokens.
  page.on("console", m => { if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push("console: " + m.text()); });
  page.on("pageerror", e => problems.push("page error: " + e.message));
  // CSP violations, as the page sees them (the console shows most, this catches all).
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
  });
  page.on("request", r => {
    const u = r.url();
    if (!u.startsWith(origin + "/") && !u.startsWith("data:")) offOrigin.push(u);
  });

  const response = await page.goto(origin + "/portal/graphiql", { waitUntil: "load" });
  if (response.status() !== 200) throw new Error("GET /portal/graphiql answered " + response.status());
  const csp = response.headers()["content-security-policy"] || "";
  if (!csp.includes("script-src 'self';") || csp.includes("unsafe-eval")) throw new Error("weak CSP: " + csp);

  await page.fill("#admintoken", env("ADMIN_TOKEN"));
  await page.fill("#token", env("API_KEY"));
  await page.selectOption("#credential", "apiKey");
  await page.click("#tokens button");

  // Set the query through the editor's own API (CodeMirror 5 keeps itself on its element), then run it.
  const editor = page.locator(".graphiql-query-editor .CodeMirror").first();
  await editor.waitFor();
  await editor.evaluate((el, q) => el.CodeMirror.setValue(q), env("QUERY"));
  await page.click(".graphiql-execute-button");
  const result = page.locator(".result-window");
  await result.getByText(env("EXPECT")).first().waitFor();
  const answer = (await result.textContent()) || "";
  if (!answer.includes("\"data\"")) problems.push("no data in the result pane: " + answer.slice(0, 300));

  // The schema came through the same relay (introspection, when the endpoint allows it): the docs show Query's fields;
  // and the settings dialog opens (its styles must pass the CSP too).
  await page.click("button[aria-label='Show Documentation Explorer']");
  const docs = page.locator(".graphiql-doc-explorer");
  await docs.locator(".graphiql-doc-explorer-type-name", { hasText: /^Query$/ }).first().click();
  await docs.locator(".graphiql-doc-explorer-field-name", { hasText: /^post$/ }).first().waitFor();
  await page.screenshot({ path: env("SCREENSHOT") });
  await page.click("button[aria-label='Open settings dialog']");
  await page.locator(".graphiql-dialog-title").first().waitFor();
  await page.keyboard.press("Escape");
  const csp2 = await page.evaluate(() => window.__csp);
  if (csp2.length) problems.push("CSP violations: " + csp2.join(", "));
  if (offOrigin.length) problems.push("requests off the origin: " + offOrigin.join(", "));
  console.log(JSON.stringify({ ok: problems.length === 0, answer: answer.slice(0, 300), problems }));
  if (problems.length) process.exitCode = 1;
} catch (e) {
  console.log(JSON.stringify({ ok: false, message: String(e), problems, offOrigin }));
  process.exitCode = 1;
} finally {
  await context.close();
}
