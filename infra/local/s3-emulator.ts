/**
 * The S3 emulator (s3rver) as a child process. It persists objects to a
 * folder; it needs the OpenSSL legacy provider for ListObjectsV2 paging.
 * Our code reads with explicit byte ranges, never suffix ranges, which
 * s3rver gets wrong.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LocalCredentials } from "./credentials.ts";
import { track } from "./processes.ts";

/** s3rver's command line, knowing only the data dir's key pair. */
const S3RVER_WITH_KEY = fileURLToPath(new URL("./s3rver-with-key.cjs", import.meta.url));

const CORS_CONFIG = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
  </CORSRule>
</CORSConfiguration>`;

export interface RunningS3 {
  endpoint: string;
  pid: number | undefined;
  child: ChildProcess;
}

export interface S3EmulatorOptions {
  directory: string;
  bucket: string;
  /** A fixed port keeps the endpoint (and presigned URLs) the same across restarts. */
  port: number;
  credentials: LocalCredentials;
}

/** s3rver on 127.0.0.1, knowing only the data dir's key pair (passed in its environment). */
function spawnS3rver(options: S3EmulatorOptions, corsFile: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      "--openssl-legacy-provider",
      S3RVER_WITH_KEY,
      "--directory",
      options.directory,
      "--address",
      "127.0.0.1",
      "--port",
      String(options.port),
      "--silent",
      "--configure-bucket",
      options.bucket,
      corsFile,
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        S3RVER_ACCESS_KEY_ID: options.credentials.accessKeyId,
        S3RVER_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
      },
    },
  );
}

export async function startS3Emulator(options: S3EmulatorOptions): Promise<RunningS3> {
  mkdirSync(options.directory, { recursive: true });
  const corsFile = join(dirname(options.directory), "s3-cors.xml");
  writeFileSync(corsFile, CORS_CONFIG);
  const child = track(spawnS3rver(options, corsFile));
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`S3 emulator did not start: ${output}`));
    }, 20_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      const match = /listening on ([\d.]+):(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ endpoint: `http://${match[1]}:${match[2]}`, pid: child.pid, child });
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      // The line that says why (e.g. the port is taken), not the stack trace around it.
      const why = output.split("\n").find((line) => /Error\b/.test(line)) ?? output.trim();
      reject(new Error(`S3 emulator exited with ${signal ?? `code ${code}`}: ${why.trim()}`));
    });
  });
}
