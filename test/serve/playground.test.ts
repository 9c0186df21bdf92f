// End to end: Debian's chromium, driven by playwright-core, loads the playground from a live weft server, picks an
// adapter, streams a chat reply and shows tokens/s. Skips when chromium is not installed (.ci/run installs it).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { serve, tinyModel } from "./helpers.js";
import type { RunningServer } from "../../src/serve/server.js";
import { saveSoftPrompt } from "../../src/train/soft-prompt-io.js";
import { PromptTuning } from "../../src/train/soft-prompt.js";
import { randn } from "../../src/core/tensor.js";

/** The bits of the browser's global scope the test reads (tsconfig has no DOM lib). */
interface BrowserGlobals {
  document: { querySelectorAll(selector: string): { length: number } };
}

const CHROMIUM = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";
const missing = existsSync(CHROMIUM) ? false : `chromium not found at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

describe("playground", { skip: missing }, () => {
  let s: RunningServer;
  let browser: BrowserContext;
  let profile: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-pg-"));
    tinyModel();
    saveSoftPrompt(join(dir, "soft"), new PromptTuning(randn([2, 64], { std: 1 })));
    s = await serve({ apiKey: "pg-key", adapters: [{ name: "story", path: join(dir, "soft") }] });
    profile = mkdtempSync(join(tmpdir(), "weft-chromium-"));
    // a fresh profile folder becomes chromium's --user-data-dir
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
  });

  after(async () => {
    await browser?.close();
    await s?.close(0);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("chats with streaming, an adapter and live tokens/s", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${s.url}/`);
    assert.equal(await page.title(), "weft playground");
    await page.fill("#apikey", "pg-key");
    await page.dispatchEvent("#apikey", "change");
    // a function, not a string: the page's CSP forbids eval, which string predicates need while polling
    await page.waitForFunction(() => (globalThis as unknown as BrowserGlobals).document.querySelectorAll("#model option").length === 2);
    const options = await page.$$eval("#model option", (os) => os.map((o) => (o as unknown as { value: string }).value));
    assert.deepEqual(options, ["tiny", "tiny:story"]);
    await page.selectOption("#model", "tiny:story");
    await page.fill("#max_tokens", "24");
    await page.fill("#temperature", "0");
    await page.fill("#prompt", "Tell me a story about a fox.");
    await page.click("#send");
    await page.waitForSelector(".msg.assistant[data-state=done]", { timeout: 15_000 });
    const reply = await page.textContent(".msg.assistant");
    assert.ok(reply && reply.length > 0, "the reply streamed in");
    assert.match((await page.textContent("#stats"))!, /\d+ tokens · [\d.]+ tok\/s/);
    assert.equal(await page.$$eval(".msg.user", (m) => m.length), 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the page is served without the API key, the API is not", async () => {
    const page = await browser.newPage();
    const r = await page.goto(`${s.url}/`);
    assert.equal(r?.status(), 200);
    const status = await page.evaluate(() => fetch("/v1/models").then((r) => r.status));
    assert.equal(status, 401);
    await page.close();
  });
});
