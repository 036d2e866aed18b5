// The portal's "Your API keys" section in Debian's headless Chromium: sign in with a developer token,
// create a key, hand it to the test (which calls the client port with it), revoke it in the page when
// told, then keep a screenshot. Run by PortalBrowserTest, which passes, in the environment:
//   PORTAL_URL, ADMIN_TOKEN   the admin listener and its token
//   DEV_TOKEN                 a token from the BFF's identity provider
//   SCREENSHOT, USER_DATA_DIR, CHROMIUM
// Protocol on stdio: prints {"secret": "..."} once the key is made, waits for a line "revoke" on stdin,
// revokes, prints the final {"ok": ...}.
import { chromium } from "playwright-core";
import readline from "node:readline";

const env = name => process.env[name] || "";
const origin = env("PORTAL_URL");
const timeout = 30000;
const problems = [];
const lines = readline.createInterface({ input: process.stdin });
const nextLine = () => new Promise(resolve => lines.once("line", resolve));

const context = await chromium.launchPersistentContext(env("USER_DATA_DIR"), {
  executablePath: env("CHROMIUM") || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 1280, height: 1000 },
  timeout,
});
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(timeout);
  page.on("console", m => { if (m.type() === "error" && !/status of 40[14]/.test(m.text())) problems.push("console: " + m.text()); });
  page.on("pageerror", e => problems.push("page error: " + e.message));
  page.on("request", r => {
    const u = r.url();
    if (!u.startsWith(origin + "/") && !u.startsWith("data:")) problems.push("request off the origin: " + u);
  });
  const response = await page.goto(origin + "/portal", { waitUntil: "load" });
  if (response.status() !== 200) throw new Error("GET /portal answered " + response.status());

  await page.waitForSelector("#auth:not([hidden])");
  await page.fill("#admintoken", env("ADMIN_TOKEN"));
  await page.click("#auth button");
  await page.waitForSelector("#keys:not([hidden])");
  await page.fill("#devtoken", env("DEV_TOKEN"));
  await page.click("#devauth button");
  await page.waitForSelector("#newkey:not([hidden])");
  await page.fill("#keyname", "browser app");
  await page.selectOption("#keytier", "pro");
  await page.click("#newkey button");
  await page.waitForSelector("#newsecret:not([hidden])");
  const secret = (await page.locator("#secret").textContent()).trim();
  await page.waitForSelector("#keylist tr.key");
  console.log(JSON.stringify({ secret }));

  if ((await nextLine()).trim() !== "revoke") throw new Error("expected 'revoke'");
  // The page shows the requests metered for the key once reloaded; the revoke reloads the list.
  await page.click("#keylist tr.key button.revoke");
  await page.locator("#keylist tr.key td", { hasText: "revoked" }).first().waitFor();
  const row = await page.locator("#keylist tr.key").first().textContent();
  if (row.includes(secret)) problems.push("the list shows the key");
  await page.screenshot({ path: env("SCREENSHOT"), fullPage: true });
  console.log(JSON.stringify({ ok: problems.length === 0, row, problems }));
  if (problems.length) process.exitCode = 1;
} catch (e) {
  console.log(JSON.stringify({ ok: false, message: String(e), problems }));
  process.exitCode = 1;
} finally {
  lines.close();
  await context.close();
}
