import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, config, resetConfig } from "#shared/config.ts";

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  resetConfig();
});

function messageFor(name: string, value: string): string {
  process.env = { ...saved, [name]: value };
  resetConfig();
  try {
    config();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error instanceof Error ? error.message : "";
  }
  throw new Error(`${name}=${value} was accepted`);
}

describe("a bad setting", () => {
  it.each([
    ["RETENTION_DAYS", "abc", '"abc" is not a number; set it to a whole number from 1 to 3650'],
    [
      "RETENTION_DAYS",
      "2.5",
      '"2.5" is not a whole number; set it to a whole number from 1 to 3650',
    ],
    ["MAX_UPLOAD_BYTES", "0", '"0" is too small; set it to a whole number of at least 1'],
    ["S3_FORCE_PATH_STYLE", "yes", '"yes" is not an accepted value; set it to one of'],
    ["TABLE_NAME", "x", '"x" is too short; set it to text of at least 3 characters'],
    [
      "LOG_TAIL_WINDOW_BYTES",
      "9".repeat(60),
      "the value given is too large; set it to a whole number from 4096 to 1048576",
    ],
  ])("%s=%s is one line naming the variable, the problem and the form", (name, value, says) => {
    const message = messageFor(name, value);
    expect(message).not.toContain("\n");
    expect(message).toContain(`${name}: ${says}`);
    expect(message.startsWith("Invalid configuration: ")).toBe(true);
  });

  it("never echoes a secret, not even a short, wrong one", () => {
    const message = messageFor("CURSOR_SECRET", "short-secret");
    expect(message).toContain("CURSOR_SECRET: the value given is too short");
    expect(message).not.toContain("short-secret");
  });
});
