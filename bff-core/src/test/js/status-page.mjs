// Opens the admin status page in Debian's headless Chromium (never a downloaded browser) and
// checks what an operator would: charts with data per route and service, breaker states, SLO
// budgets, the token prompt; then keeps a screenshot. Run by StatusPageBrowserTest, which starts
// the server and passes everything through the environment:
//   STATUS_URL        origin of the admin listener, e.g. http://127.0.0.1:40123
//   STATUS_TOKEN      the admin token the page must ask for (empty: none)
//   EXPECT_ROUTES     route names that must get a chart with points, comma-separated
//   EXPECT_SERVICES   service names that must get a chart with points
//   EXPECT_BREAKERS   service=state pairs the breaker table must show, e.g. ads=open,posts=closed
//   SLO_ON_URL        a URL whose GET makes /slo answer (before it, /slo answers 404)
//   SCREENSHOT        where to save the full-page PNG
//   USER_DATA_DIR     a fresh Chromium profile directory
//   CHROMIUM          the browser (default /usr/bin/chromium)
import { chromium } from "playwright-core";

const env = name => process.env[name] || "";
const list = name => env(name).split(",").map(s => s.trim()).filter(Boolean);
const origin = env("STATUS_URL");
const timeout = 30000;
const problems = [];

function fail(message) {
  console.log(JSON.stringify({ ok: false, message, problems }));
  process.exitCode = 1;
}

const context = await chromium.launchPersistentContext(env("USER_DATA_DIR"), {
  executablePath: env("CHROMIUM") || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 1440, height: 1000 },
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

  const response = await page.goto(origin + "/status", { waitUntil: "load" });
  if (response.status() !== 200) throw new Error("GET /status answered " + response.status());
  const csp = response.headers()["content-security-policy"] || "";
  if (!csp.includes("default-src 'none'") || !csp.includes("script-src 'sha256-")) throw new Error("weak CSP: " + csp);

  if (env("STATUS_TOKEN")) {
    // The page is public, its data is not: it must ask for the token, then use it.
    await page.waitForSelector("#auth:not([hidden])");
    const live = await page.textContent("#live-text");
    if (!live.includes("token")) throw new Error("the page did not say it needs a token: " + live);
    const html = await page.content();
    if (html.includes(env("STATUS_TOKEN"))) throw new Error("the token is in the page before it was typed");
    await page.fill("#token", env("STATUS_TOKEN"));
    await page.click("#auth button");
    await page.waitForSelector("#auth", { state: "hidden" });
  }

  await page.selectOption("#span", "60:1");
  await page.waitForSelector(".live.ok");
  await page.waitForFunction(() => document.querySelector("#slos").textContent.includes("no SLOs declared"));

  const chartReady = async (gridId, name) => {
    await page.waitForFunction(([grid, row]) => {
      const card = [...document.querySelectorAll("#" + grid + " .card")].find(c => c.dataset.row === row);
      if (!card) return false;
      const rps = card.querySelector("path.line.rps");
      const p99 = card.querySelector("path.line.p99");
      return rps && p99 && Number(rps.dataset.points) >= 5 && Number(p99.dataset.points) >= 3;
    }, [gridId, name]);
  };
  for (const r of list("EXPECT_ROUTES")) await chartReady("route-charts", r);
  for (const s of list("EXPECT_SERVICES")) await chartReady("service-charts", s);
  for (const pair of list("EXPECT_BREAKERS")) {
    const [service, state] = pair.split("=");
    await page.waitForFunction(([s, st]) => {
      const row = document.querySelector("#upstreams tr[data-service='" + s + "']");
      return row && row.querySelector(".pill." + st) !== null;
    }, [service, state]);
  }

  if (env("SLO_ON_URL")) {
    await page.evaluate(url => fetch(url), env("SLO_ON_URL").replace(origin, ""));
    await page.waitForFunction(() => document.querySelectorAll("#slos .slo .bar span").length >= 2);
  }

  // Two more refreshes, so the screenshot shows the freshest lines.
  await page.waitForTimeout(4500);
  const text = await page.textContent("main");
  for (const word of [...list("EXPECT_ROUTES"), ...list("EXPECT_SERVICES")]) {
    if (!text.includes(word)) throw new Error("the page does not name " + word);
  }
  await page.screenshot({ path: env("SCREENSHOT"), fullPage: true });
  const summary = await page.evaluate(() => ({
    routeCards: document.querySelectorAll("#route-charts .card").length,
    serviceCards: document.querySelectorAll("#service-charts .card").length,
    paths: document.querySelectorAll("path.line").length,
    breakers: [...document.querySelectorAll("#upstreams tr[data-service]")].map(r => r.dataset.service + "=" + r.querySelector(".pill").textContent),
    slos: document.querySelectorAll("#slos .slo").length,
    live: document.querySelector("#live-text").textContent,
  }));
  if (problems.length) fail("the page reported problems");
  else console.log(JSON.stringify({ ok: true, ...summary }));
} catch (e) {
  fail(e.message);
} finally {
  await context.close();
}
