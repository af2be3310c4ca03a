// The audit's browser work in one Node process and one Chromium (python -m frontend.audit writes the job and
// reads the results): axe on every page at 360 px, then Lighthouse `runs` times on every page, without paying a
// Chromium start and Lighthouse's load per run. Each visit starts from a clean origin — cookies, storage,
// service workers and the HTTP cache cleared — as the fresh Chromium per run did. It stays in the browser's
// default context: a separate (incognito) context skips the web app manifest and its icon, which a phone
// fetches, and the page weight would come out 14 KiB light.
// Usage: node run.mjs job.json (run from the folder holding node_modules, where the runner copies this file).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const axeSource = readFileSync(job.axe_script, "utf8");
// Lighthouse asks to be run again when Chrome's trace of a page load comes out incomplete (NO_NAVSTART,
// NO_FCP), which a loaded machine makes happen now and then; a page's own error fails at once.
const RETRIED_ERRORS = ["Please run Lighthouse again", "NO_NAVSTART", "NO_FCP"];
const ATTEMPTS = 5; // a full `make audit` on a quiet machine once met NO_NAVSTART three times running on one page
const FLAGS = {
  output: "json",
  logLevel: "silent",
  onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
  // The picture of the whole page only illustrates Lighthouse's HTML report; no score reads it.
  disableFullPageScreenshot: true,
};

async function visit(browser, target, work) {
  const page = await browser.newPage();
  try {
    const cdp = await page.createCDPSession();
    await cdp.send("Storage.clearDataForOrigin", { origin: new URL(target.url).origin, storageTypes: "all" });
    await cdp.send("Network.clearBrowserCache");
    if (target.session) {
      await browser.setCookie({ name: job.cookie, value: target.session, domain: job.host, path: "/" });
    }
    return await work(page);
  } finally {
    await page.close();
  }
}

// axe's full rule set (every impact, best practices included) at 360 px, as the browser tests run it.
async function axe(page, target) {
  await page.setViewport({ width: 360, height: 780 });
  await page.goto(target.url, { waitUntil: "networkidle0" });
  await page.evaluate(axeSource);
  const results = await page.evaluate(() => globalThis.axe.run({ resultTypes: ["violations"] }));
  return results.violations;
}

async function lighthouseRun(browser, target) {
  for (let attempt = 1; ; attempt++) {
    let error;
    try {
      const result = await visit(browser, target, (page) => lighthouse(target.url, FLAGS, undefined, page));
      error = result.lhr.runtimeError ? `${result.lhr.runtimeError.code}: ${result.lhr.runtimeError.message}` : "";
      if (!error) return result.report;
    } catch (thrown) {
      error = String(thrown?.stack ?? thrown);
    }
    if (attempt === ATTEMPTS || !RETRIED_ERRORS.some((marker) => error.includes(marker))) {
      throw new Error(`lighthouse ${target.url} failed:\n${error}`);
    }
    console.log(`  ${target.url}: Lighthouse asks for another run (${attempt}/${ATTEMPTS})`);
  }
}

const browser = await puppeteer.launch({
  executablePath: job.chrome,
  headless: true,
  defaultViewport: null, // Lighthouse sets its own mobile screen; axe sets 360 px
  args: job.chrome_args,
});
try {
  mkdirSync(`${job.out}/axe`, { recursive: true });
  mkdirSync(`${job.out}/lighthouse`, { recursive: true });
  for (const target of job.targets) {
    const violations = await visit(browser, target, (page) => axe(page, target));
    writeFileSync(`${job.out}/axe/${target.slug}.json`, JSON.stringify(violations));
  }
  for (const target of job.targets) {
    for (let run = 1; run <= job.runs; run++) {
      writeFileSync(`${job.out}/lighthouse/${target.slug}-${run}.json`, await lighthouseRun(browser, target));
      console.log(`  ${target.name}: Lighthouse run ${run} of ${job.runs} done`);
    }
  }
} finally {
  await browser.close();
}
