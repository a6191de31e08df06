/**
 * The viewer at a desktop size (1280×800) and a phone's (390×844), in
 * headless Chromium, used as a person would: it fits, a failure is found
 * with the session, the log opens at its end, the URL fragment follows the
 * session (Back included), and a missing session leaves nothing to click.
 * VIEWER_SCREENSHOT_DIR=docs writes docs/viewer.png and docs/viewer-phone.png.
 */
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendEventsRoute } from "#shared/contract/routes/events.ts";
import { startSessionRoute } from "#shared/contract/routes/sessions.ts";
import { baseUrl, newKey, uniqueTenant, uniqueUser, uploadThroughApi } from "../support/api.ts";
import { launchChromium } from "../support/browser.ts";
import { stackClient } from "../support/client.ts";

let browser: Browser;
let key: string;
let failed: string;
let other: string;
const LOG = [
  ...Array.from(
    { length: 60 },
    (_, index) =>
      `2026-11-21T12:${String(index).padStart(2, "0")}:00Z INFO bake pass ${index + 1} of 60`,
  ),
  "2026-11-21T13:00:00Z WARNING memory at 97%",
  "2026-11-21T13:00:01Z ERROR failed to allocate 2.1 GB",
  "2026-11-21T13:00:02Z CRITICAL Blender killed: the last line",
].join("\n");

async function startSession(performer: string): Promise<string> {
  const started = await stackClient(key).call(startSessionRoute, {
    body: { user_id: uniqueUser("layout-user-with-a-long-name"), performer_id: performer },
  });
  expect(started.status).toBe(201);
  return started.body.session.session_id;
}

async function viewer(width: number, height: number, fragment = ""): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.addInitScript(
    `sessionStorage.setItem("session-trail.api-key", ${JSON.stringify(key)})`,
  );
  const page = await context.newPage();
  await page.goto(`${baseUrl()}/viewer${fragment}`);
  await page.locator("#sessions-body tr").first().waitFor();
  return page;
}

/** Tables wider than the section (card) that holds them, by id. */
function overflowingTables(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll("table")]
    .filter((table) => table.getBoundingClientRect().right > table.closest("section").getBoundingClientRect().right + 0.5)
    .map((table) => table.id)`) as Promise<string[]>;
}

async function openFailed(page: Page): Promise<void> {
  await page.locator(`tr[data-session-id="${failed}"]`).click();
  // The investigation comes with the session: no click on Investigate.
  await page.locator("#failure-summary").waitFor();
  await page.locator("#log-tail").waitFor();
}

/** Whether the log tail's last line is inside its visible box. */
function lastLineVisible(page: Page): Promise<boolean> {
  return page.evaluate(`(() => {
    const box = document.getElementById("log-tail");
    const last = box.lastElementChild.getBoundingClientRect();
    const frame = box.getBoundingClientRect();
    return box.scrollHeight > box.clientHeight && last.bottom <= frame.bottom + 1 && last.top >= frame.top - 1;
  })()`) as Promise<boolean>;
}

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.VIEWER_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: resolve(join(dir, name)), fullPage: true });
}

beforeAll(async () => {
  key = await newKey(uniqueTenant("layout"), "admin");
  other = await startSession("scanner-app-ios");
  failed = await startSession("scanner-app-ios");
  const status = {
    status: "failed",
    processing_stage: "texture_bake",
    error_code: "BLENDER_OOM",
    error_message: "Blender was killed while baking textures: out of memory",
    blender_exit_code: 137,
    failed_at: "2026-11-21T13:00:02.000Z",
  };
  await uploadThroughApi(key, failed, "status.json", JSON.stringify(status), "application/json");
  await uploadThroughApi(key, failed, "logs/blender.log", `${LOG}\n`, "text/plain");
  await uploadThroughApi(key, failed, "input/scan.usdz", "scan bytes", "model/vnd.usdz+zip");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe("the viewer's layout and navigation", () => {
  it("at 1280×800: no table wider than its card, every column shown, the log tail at its last line", async () => {
    const page = await viewer(1280, 800);
    expect(await overflowingTables(page)).toEqual([]);
    await openFailed(page);
    expect(await overflowingTables(page)).toEqual([]);
    for (const header of await page.locator("#sessions-table th").all()) {
      await expect(header.isVisible()).resolves.toBe(true);
    }
    await expect.poll(() => lastLineVisible(page)).toBe(true);
    // The failure's summary is not repeated under Findings.
    const summary = await page.locator("#failure-summary").textContent();
    await expect(page.locator("#findings li").allTextContents()).resolves.not.toContain(summary);
    // Times in the viewer's zone, the UTC instant on hover; the id can be copied.
    await expect(
      page.locator("#session-header time").first().getAttribute("title"),
    ).resolves.toMatch(/^\d{4}-\d\d-\d\dT.*Z \(UTC\)$/);
    await expect(page.locator("#session-copy button").textContent()).resolves.toBe("Copy id");
    await expect(page.locator("#session-header").textContent()).resolves.toContain(
      "Lifecycle status",
    );
    await screenshot(page, "viewer.png");
    await page.context().close();
  });

  it("at 390×844: the page fits the phone and Investigate can be clicked", async () => {
    const page = await viewer(390, 844);
    const fits = () => page.evaluate("document.documentElement.scrollWidth <= window.innerWidth");
    await expect(fits()).resolves.toBe(true);
    await openFailed(page);
    await expect(fits()).resolves.toBe(true);
    const panel = await page.locator("#session").boundingBox();
    expect(panel?.width).toBeGreaterThan(300);
    await page.locator("#investigate").scrollIntoViewIfNeeded();
    await page.locator("#investigate").click({ timeout: 5000 });
    await expect.poll(() => lastLineVisible(page)).toBe(true);
    await screenshot(page, "viewer-phone.png");
    await page.context().close();
  });

  it("follows the session id in the URL fragment, on change and on Back, and finds a session by id", async () => {
    const page = await viewer(1280, 800);
    const title = () => page.locator("#session-title").textContent();
    await page.locator(`tr[data-session-id="${other}"]`).click();
    await expect.poll(title).toBe(other);
    await page.locator(`tr[data-session-id="${failed}"]`).click();
    await expect.poll(title).toBe(failed);
    expect(new URL(page.url()).hash).toBe(`#${failed}`);
    await page.goBack();
    await expect.poll(title).toBe(other);
    await page.goForward();
    await expect.poll(title).toBe(failed);
    await page.evaluate(`location.hash = ${JSON.stringify(`#${other}`)}`);
    await expect.poll(title).toBe(other);

    await page.locator("#find-id").fill(failed);
    await page.locator("#find-form button[type=submit]").click();
    await expect.poll(title).toBe(failed);
    expect(new URL(page.url()).hash).toBe(`#${failed}`);
    await page.context().close();
  });

  it("keeps the list's event counts current while it is open", async () => {
    const page = await viewer(1280, 800);
    const count = page.locator(`tr[data-session-id="${other}"] td.events`);
    const before = Number(await count.textContent());
    const appended = await stackClient(key).call(appendEventsRoute, {
      params: { id: other },
      body: { events: [{ event_type: "info", message: "one more" }] },
    });
    expect(appended.status).toBe(201);
    await expect
      .poll(async () => Number(await count.textContent()), { timeout: 15_000 })
      .toBe(before + 1);
    await page.context().close();
  });

  it("leaves no panel to click for a session that is not found", async () => {
    const page = await viewer(1280, 800, "#sess_AAAAAAAAAAAAAAAAAAAAAA");
    await expect
      .poll(() => page.locator("#notice").textContent(), { timeout: 10_000 })
      .toContain("was not found");
    await expect(page.locator("#session").isHidden()).resolves.toBe(true);
    await expect(page.locator("#investigate").isVisible()).resolves.toBe(false);
    await page.context().close();
  });
});
