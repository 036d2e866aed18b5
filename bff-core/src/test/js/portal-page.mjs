// Opens the developer portal (/portal on the admin listener) in Debian's headless Chromium (never a
// downloaded browser), checks the screens catalog it draws and runs one screen with "Try it"; then
// keeps a screenshot. Run by PortalBrowserTest, which starts a BFF and passes, in the environment:
//   PORTAL_URL      origin of the admin listener, e.g. http://127.0.0.1:40123
//   ADMIN_TOKEN     the admin token the page must ask for
//   EXPECT_SCREENS  screen names the catalog must show, comma-separated
//   TRY_SCREEN      the screen to run; TRY_VARS a JSON object of its variables; TRY_KEY the API key
//   TRY_EXPECT      a text the answer must contain
//   SCREENSHOT      where to save the full-page PNG; USER_DATA_DIR a fresh profile; CHROMIUM the browser
import { chromium } from "playwright-core";

const env = name => process.env[name] || "";
const origin = env("PORTAL_URL");
const timeout = 30000;
const problems = [];

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
  page.on("console", m => { if (m.type() === "error" && !/status of 401/.test(m.text())) problems.push("console: " + m.text()); });
  page.on("pageerror", e => problems.push("page error: " + e.message));
  page.on("request", r => {
    const u = r.url();
    if (!u.startsWith(origin + "/") && !u.startsWith("data:")) problems.push("request off the origin: " + u);
  });

  const response = await page.goto(origin + "/portal", { waitUntil: "load" });
  if (response.status() !== 200) throw new Error("GET /portal answered " + response.status());
  const csp = response.headers()["content-security-policy"] || "";
  if (!csp.includes("default-src 'none'") || !csp.includes("script-src 'sha256-")) throw new Error("weak CSP: " + csp);

  // The page is public, its data is not: it asks for the admin token, then uses it.
  await page.waitForSelector("#auth:not([hidden])");
  await page.fill("#admintoken", env("ADMIN_TOKEN"));
  await page.click("#auth button");
  await page.waitForSelector("#auth", { state: "hidden" });

  const expected = env("EXPECT_SCREENS").split(",").filter(Boolean);
  for (const s of expected) await page.waitForSelector("#screen-" + s);
  const sections = await page.locator("section.screen").count();

  const form = page.locator("#screen-" + env("TRY_SCREEN") + " form.try");
  const vars = JSON.parse(env("TRY_VARS") || "{}");
  for (const [name, value] of Object.entries(vars)) await form.locator("input[name='" + name + "']").fill(String(value));
  await form.locator("select").selectOption("apiKey");
  await form.locator("input[type=password]").fill(env("TRY_KEY"));
  await form.locator("button").click();
  await form.locator("p.status").waitFor();
  const status = await form.locator("p.status").textContent();
  await form.locator("pre").waitFor();
  const answer = await form.locator("pre").textContent();
  if (!status.startsWith("HTTP 200")) problems.push("try-it status: " + status);
  if (!answer.includes(env("TRY_EXPECT"))) problems.push("try-it answer lacks " + env("TRY_EXPECT") + ": " + answer);

  await page.screenshot({ path: env("SCREENSHOT"), fullPage: true });
  console.log(JSON.stringify({ ok: problems.length === 0, sections, status, problems }));
  if (problems.length) process.exitCode = 1;
} catch (e) {
  console.log(JSON.stringify({ ok: false, message: String(e), problems }));
  process.exitCode = 1;
} finally {
  await context.close();
}
