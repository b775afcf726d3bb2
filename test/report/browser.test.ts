import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { HOSTILE_REASON, HOSTILE_TOOL, writeRealLog } from "./real-log.js";

/** Debian's `chromium` package (installed by .ci/run when missing). */
const CHROMIUM = process.env.WARDEN_CHROMIUM ?? "/usr/bin/chromium";

function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${CHROMIUM} is not installed (apt-get install chromium)`;
  if (process.env.WARDEN_REQUIRE_SERVICES === "1") throw new Error(`${message}, and WARDEN_REQUIRE_SERVICES=1 requires it`);
  console.warn(`skipped: report browser tests (${message})`);
  return false;
}

const available = chromiumAvailable();

/** Evaluated in the page (the tests are compiled without the DOM's types). */
const BADGE_COLOUR = "getComputedStyle(document.getElementById('verification')).backgroundColor";

describe.skipIf(!available)("warden audit report in headless Chromium", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-report-browser-"));
  const good = join(dir, "good.html");
  const tampered = join(dir, "tampered.html");
  let browser: Browser;

  beforeAll(async () => {
    const log = join(dir, "audit.jsonl");
    const key = join(dir, "audit.public.jwk");
    const keys = await writeRealLog(log);
    writeFileSync(key, JSON.stringify(keys.publicKey));
    expect((await runCli("audit", "report", log, "--key", key, "-o", good)).code).toBe(0);
    const lines = readFileSync(log, "utf8").split("\n");
    // Event seq 8 (line 8): alice's denied refund, now blamed on someone else.
    lines[7] = lines[7]!.replace('"sub":"alice"', '"sub":"mallory"');
    writeFileSync(join(dir, "tampered.jsonl"), lines.join("\n"));
    expect((await runCli("audit", "report", join(dir, "tampered.jsonl"), "--key", key, "-o", tampered)).code).toBe(1);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a page with every request routed: file:// goes through, anything else is refused and noted. */
  async function open(): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("dialog", (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return { page, requests, problems };
  }

  it("renders a good log's report: the badge says verified, every section shows, nothing is fetched, nothing runs", async () => {
    const { page, requests, problems } = await open();
    await page.goto(pathToFileURL(good).href);
    const badge = page.locator("#verification");
    expect((await badge.locator("strong").textContent())?.trim()).toBe("verified");
    // The page's style applies (its hash is in the policy): the badge is green.
    expect(await page.evaluate(BADGE_COLOUR)).toBe("rgb(26, 127, 55)");
    for (const id of ["timeline-section", "overview", "users", "denials", "approvals", "masking", "throttling", "targets", "identity", "integrity"]) {
      expect(await page.locator(`section#${id}`).isVisible(), id).toBe(true);
    }
    expect(await page.locator("#timeline rect.ev").count()).toBeGreaterThan(0);
    expect(await page.locator("#users tbody tr", { hasText: "alice" }).count()).toBe(1);
    expect(await page.locator("#approvals tbody tr", { hasText: "carol" }).textContent()).toContain("acme/alice");
    expect(await page.locator("#masking tbody tr", { hasText: "credit_card" }).textContent()).toContain("2");
    expect(await page.locator("#throttling").textContent()).toContain("tools.lookup");
    // Markup from the log is text on the page; it ran nothing and added no element.
    expect(await page.locator("#targets").textContent()).toContain(HOSTILE_TOOL);
    expect(await page.locator("#denials").textContent()).toContain(HOSTILE_REASON);
    expect(await page.evaluate("({ pwned: typeof window.__pwned, scripts: document.scripts.length, images: document.images.length })")).toEqual({
      pwned: "undefined",
      scripts: 0,
      images: 0,
    });
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("names the tampered event in the badge of a tampered copy's report", async () => {
    const { page, requests, problems } = await open();
    await page.goto(pathToFileURL(tampered).href);
    const badge = page.locator("#verification");
    expect((await badge.locator("strong").textContent())?.trim()).toBe("NOT verified");
    expect(await badge.locator("li").allTextContents()).toEqual([expect.stringMatching(/^hash at seq 8, chain [0-9a-f]{8}…, line 8$/)]);
    expect(await page.evaluate(BADGE_COLOUR)).toBe("rgb(198, 40, 40)");
    expect(await page.locator("#integrity tbody tr", { hasText: "modified" }).first().textContent()).toContain("8");
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("would see a request to anywhere else: the routing catches one", async () => {
    const { page, requests } = await open();
    await page.setContent(`<img src="http://example.invalid/pixel.png">`);
    await page.waitForLoadState("load");
    expect(requests).toEqual(["http://example.invalid/pixel.png"]);
    await page.context().close();
  });
});
