/**
 * The browser build (infra/bundling.ts): the viewer's script is built from
 * its TypeScript entry, and a page that calls the API through the typed
 * client names its routes with the route index as data, without zod or any
 * schema module in the script.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBrowserScript, buildViewerScript } from "#infra/bundling.ts";

const ROOT = join(import.meta.dirname, "..", "..");

describe("the browser build", () => {
  it("builds the viewer from its TypeScript entry into one classic script", async () => {
    const { text, metafile } = await buildViewerScript(ROOT);
    expect(Object.keys(metafile.inputs)).toContain("functions/viewer/assets/viewer.ts");
    expect(text).not.toMatch(/^\s*(import|export)\s/m);
    expect(text).toContain("session-trail.api-key");
  });

  it("calls the API from the viewer through the typed client, without zod or the schemas", async () => {
    const { text, metafile } = await buildViewerScript(ROOT);
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain("shared/client/client.ts");
    expect(inputs).toContain("shared/client/route-index.ts");
    expect(inputs.filter((input) => /node_modules|contract\/|domain\//.test(input))).toEqual([]);
    expect(text).toContain('"/sessions/{id}/investigate"');
    expect(text).not.toMatch(/ZodError|zod/i);
  });

  it("ships the typed client and the route index as data, without zod or the schemas", async () => {
    const { text, metafile } = await buildBrowserScript(
      ROOT,
      join("test", "unit", "fixtures", "client-in-browser.ts"),
    );
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain("shared/client/client.ts");
    expect(inputs.filter((input) => /node_modules|contract\//.test(input))).toEqual([]);
    expect(text).toContain('"/sessions/{id}/files/{path+}"');
    expect(text).not.toMatch(/ZodError|zod/i);
  });
});
