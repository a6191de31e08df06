/**
 * The session viewer in a real browser: headless Chromium loads GET /v1/viewer
 * from the local stack and is used as a person would use it. API data must
 * show as text, the key must stay in sessionStorage, and the strict
 * Content-Security-Policy must let the page's own script and style run.
 */
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteInput } from "#shared/client/client.ts";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser, uploadThroughApi } from "../support/api.ts";
import { launchChromium } from "../support/browser.ts";
import { stackClient } from "../support/client.ts";

const HOSTILE = "<img src=x onerror=alert(1)>";

let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;
const dialogs: string[] = [];
const cspViolations: string[] = [];

async function startSession(): Promise<{ id: string; user: string }> {
  const user = uniqueUser("viewer");
  const started = await stackClient(key).call(startSessionRoute, {
    body: { user_id: user, performer_id: "viewer-test" },
  });
  expect(started.status).toBe(201);
  return { id: started.body.session.session_id, user };
}

type NewEvent = RouteInput<typeof appendEventsRoute>["body"]["events"][number];

async function appendEvent(id: string, event: NewEvent): Promise<number> {
  const appended = await stackClient(key).call(appendEventsRoute, {
    params: { id },
    body: { events: [event] },
  });
  expect(appended.status).toBe(201);
  return appended.body.last_seq;
}

async function openSession(id: string): Promise<void> {
  await page.locator("#filters button[type=submit]").click();
  await page.locator(`tr[data-session-id="${id}"]`).click();
  await page.locator("#timeline li[data-seq='1']").waitFor();
}

beforeAll(async () => {
  key = await newKey(uniqueTenant("viewer"), "admin");
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
});

describe("session viewer in headless Chromium", () => {
  it("serves one page whose strict CSP admits its own script and style only", async () => {
    const answer = await fetch(`${baseUrl()}/viewer`);
    const csp = answer.headers.get("content-security-policy") ?? "";
    expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("connect-src 'self'");
    const html = await answer.text();
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
  });

  it("asks for a key, keeps it in sessionStorage only, and follows a session's events by push", async () => {
    const { id } = await startSession();
    await page.goto(`${baseUrl()}/viewer`);
    await page.locator("#key-input").fill(key);
    await page.locator("#key-form button[type=submit]").click();
    await openSession(id);
    await expect(page.locator("#key-form").isHidden()).resolves.toBe(true);

    // Evaluated in the page (as a string: this project's TypeScript has no DOM types).
    const storage = (await page.evaluate(`({
      session: sessionStorage.getItem("session-trail.api-key"),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    })`)) as { session: string | null; local: number; cookie: string; url: string };
    expect(storage.session).toBe(key);
    expect(storage.local).toBe(0);
    expect(storage.cookie).toBe("");
    expect(storage.url).not.toContain(key);
    await expect(page.locator("#session-header").textContent()).resolves.toContain("active");

    // The timeline follows by push: an event appended over HTTP shows up within a second.
    await expect
      .poll(() => page.locator("#poll-state").textContent(), { timeout: 10_000 })
      .toBe("live (push)");
    const seq = await appendEvent(id, { event_type: "info", message: "converted the scan" });
    const item = page.locator(`#timeline li[data-seq='${seq}']`);
    await item.waitFor({ timeout: 1000 });
    await expect(item.textContent()).resolves.toContain("converted the scan");

    // The type filter hides the other events.
    await page.locator("#type-filter").fill("session_started");
    await expect(item.isHidden()).resolves.toBe(true);
    await page.locator("#type-filter").fill("");
    await expect(item.isVisible()).resolves.toBe(true);
  });

  it("investigates a failed workspace and shows its summary, files and log tail", async () => {
    const { id } = await startSession();
    await uploadThroughApi(
      key,
      id,
      "status.json",
      JSON.stringify({
        status: "failed",
        processing_stage: "texture_bake",
        error_code: "BLENDER_OOM",
        error_message: "Blender was killed while baking textures: out of memory",
        blender_exit_code: 137,
        failed_at: "2026-11-21T12:19:30.000Z",
      }),
      "application/json",
    );
    await uploadThroughApi(
      key,
      id,
      "logs/blender.log",
      "INFO bake pass 40 of 40\nWARNING memory at 92%\nERROR failed to allocate 2.1 GB\n",
      "text/plain",
    );
    await uploadThroughApi(key, id, `input/${HOSTILE}`, "scan bytes", "text/plain");
    await appendEvent(id, { event_type: "error", message: HOSTILE });

    // The session's own investigation is held until the reader has clicked
    // Investigate too: the click joins it rather than sending a second one
    // whose report would later replace the panel, and any download link in it.
    let investigations = 0;
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/investigate\?/, async (route) => {
      investigations += 1;
      await held;
      await route.continue();
    });
    await openSession(id);
    await page.locator("#investigate").click();
    await expect(page.locator("#investigation").getAttribute("aria-busy")).resolves.toBe("true");
    release();
    await page.locator('#investigation[aria-busy="false"]').waitFor({ timeout: 10_000 });
    await page.unrouteAll();
    expect(investigations).toBe(1);
    const summary = page.locator("#failure-summary");
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toMatch(/texture_bake.*BLENDER_OOM.*137/);
    await expect(page.locator("#log-tail .line-error").textContent()).resolves.toContain(
      "failed to allocate",
    );

    // The hostile event message and file name are text, not markup.
    await page.locator("#timeline li[data-type='error']").waitFor();
    await expect(
      page.locator("#timeline li[data-type='error'] .message").textContent(),
    ).resolves.toBe(HOSTILE);
    const hostileFile = page.locator(`#files li[data-path="input/${HOSTILE}"]`);
    await expect(hostileFile.locator(".mono").textContent()).resolves.toBe(HOSTILE);
    expect(await page.locator("img").count()).toBe(0);

    // A download link comes from the API, not from the page.
    await hostileFile.locator("button").click();
    const link = hostileFile.locator("a");
    await link.waitFor();
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const downloaded = await fetch(href ?? "");
    await expect(downloaded.text()).resolves.toBe("scan bytes");

    const screenshot = process.env.VIEWER_SCREENSHOT ?? join(tmpdir(), "session-trail-viewer.png");
    await page.screenshot({ path: resolve(screenshot), fullPage: true });
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it("asks for the key again when the API refuses it, and says when a session is not found", async () => {
    await page.evaluate(`sessionStorage.setItem("session-trail.api-key", "st_revoked-or-wrong")`);
    await page.goto("about:blank");
    await page.goto(`${baseUrl()}/viewer#sess_AAAAAAAAAAAAAAAAAAAAAA`);
    await page.locator("#key-form").waitFor();
    await expect
      .poll(() => page.locator("#notice").textContent(), { timeout: 5000 })
      .toContain("refused");
    await expect(
      page.evaluate(`sessionStorage.getItem("session-trail.api-key")`),
    ).resolves.toBeNull();

    await page.locator("#key-input").fill(key);
    await page.locator("#key-form button[type=submit]").click();
    await expect
      .poll(() => page.locator("#notice").textContent(), { timeout: 5000 })
      .toContain("was not found");
  });

  it("says what failed, with the API's code, message and Retry-After, and retries after it", async () => {
    await page.goto(`${baseUrl()}/viewer`);
    await page.evaluate(`sessionStorage.setItem("session-trail.api-key", ${JSON.stringify(key)})`);
    const { id } = await startSession();
    // The local stack runs without throttling, so the first list and the
    // first investigate each get the answer a throttled or unavailable API gives.
    const refusals = [
      { path: /\/v1\/sessions\?/, status: 503, code: "UNAVAILABLE", retryAfter: "1" },
      { path: /\/investigate\?/, status: 429, code: "RATE_LIMITED", retryAfter: "2" },
    ];
    for (const refusal of refusals) {
      let refused = false;
      await page.route(refusal.path, (route) => {
        if (refused) return route.continue();
        refused = true;
        return route.fulfill({
          status: refusal.status,
          headers: { "Retry-After": refusal.retryAfter, "Content-Type": "application/json" },
          body: JSON.stringify({ error_code: refusal.code, message: "Try later.", details: {} }),
        });
      });
    }
    // A new document, not a fragment change: the page starts again, now with its key.
    await page.goto("about:blank");
    await page.goto(`${baseUrl()}/viewer#${id}`);
    await expect
      .poll(() => page.locator("#notice").textContent(), { timeout: 5000 })
      .toMatch(
        /^(Listing sessions: UNAVAILABLE|Investigating: RATE_LIMITED): Try later\. Retrying in [12]s\.$/,
      );
    // After the wait each load goes through: the list shows the session, investigate its report.
    await page.locator(`tr[data-session-id="${id}"]`).waitFor({ timeout: 5000 });
    await page.locator("#investigation:not([hidden])").waitFor({ timeout: 5000 });
    await page.unrouteAll();

    await page.route(/\/investigate\?/, (route) => route.abort("connectionrefused"));
    await page.locator("#investigate").click();
    await expect
      .poll(() => page.locator("#notice").textContent(), { timeout: 5000 })
      .toBe("Investigating: NETWORK_ERROR: The API could not be reached. Retrying in 2s.");
    await page.unrouteAll();
    await expect.poll(() => page.locator("#notice").isHidden(), { timeout: 5000 }).toBe(true);
  });
});
