import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("npm start", () => {
  it("exits non-zero with one line naming what to install when Java is missing", async () => {
    const bin = mkdtempSync(join(tmpdir(), "no-java-"));
    symlinkSync(process.execPath, join(bin, "node"));
    try {
      const child = spawn(join(bin, "node"), ["--import", "tsx", "infra/local/start.ts"], {
        env: { PATH: bin, PORT: "0", DATA_DIR: join(bin, "data") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/Java 17 or newer is required.*install/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
