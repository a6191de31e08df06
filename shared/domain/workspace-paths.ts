/**
 * Rules for paths inside a session workspace. A path is relative to the
 * session's prefix and names either a file under one of the known folders or
 * one of the known root files. Anything that could climb out of the prefix,
 * be read differently by another component (percent-encoding, backslashes,
 * control characters) or land outside the known layout is refused.
 */

export const WORKSPACE_FOLDERS = ["input", "output", "logs"] as const;
export type WorkspaceFolder = (typeof WORKSPACE_FOLDERS)[number];

export const WORKSPACE_ROOT_FILES = ["status.json", "params.json", "meta.json"] as const;
export type WorkspaceRootFile = (typeof WORKSPACE_ROOT_FILES)[number];

/**
 * Longest path, in UTF-8 bytes. S3 keys hold 1,024 bytes, and the key adds
 * `workspaces/{tenant}/{session}/` (at most 103 bytes) in front of the path.
 */
export const MAX_WORKSPACE_PATH_BYTES = 512;
/**
 * Longest folder or file name, in UTF-8 bytes. The local S3 emulator stores
 * each object as files named after the key's last segment plus a suffix
 * (`._S3rver_metadata.json`, 22 bytes), and file systems hold 255-byte names.
 */
export const MAX_SEGMENT_BYTES = 255 - "._S3rver_metadata.json".length;

// Control characters, C0 and C1, and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** A Windows drive (`C:`), which some tools treat as absolute. */
const DRIVE_PREFIX = /^[A-Za-z]:/;

const escapeForPattern = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The rules above but Unicode normalisation and byte lengths, as one regular
 * expression (for the OpenAPI document): the layout, names of 1 to
 * MAX_SEGMENT_BYTES characters without `/`, `\`, `%` or control characters,
 * and no `.` or `..` name.
 */
const NAME_CHARACTER = "[^/\\\\%\\u0000-\\u001f\\u007f-\\u009f]";
const NAME_CHARACTER_NOT_DOT = "[^./\\\\%\\u0000-\\u001f\\u007f-\\u009f]";
/** A name that is neither `.` nor `..`, spelled without look-ahead so generators can use it. */
const NAME = `(?:${NAME_CHARACTER_NOT_DOT}${NAME_CHARACTER}?|\\.${NAME_CHARACTER_NOT_DOT}|${NAME_CHARACTER}{3,${MAX_SEGMENT_BYTES}})`;
export const WORKSPACE_PATH_PATTERN = new RegExp(
  `^(?:${WORKSPACE_ROOT_FILES.map(escapeForPattern).join("|")}|(?:${WORKSPACE_FOLDERS.join("|")})(?:/${NAME})+)$`,
);

export type WorkspacePath =
  | { kind: "folder"; folder: WorkspaceFolder; path: string; name: string }
  | { kind: "root"; file: WorkspaceRootFile; path: string; name: string };

export type PathCheck = { ok: true; value: WorkspacePath } | { ok: false; reason: string };

const ALLOWED_LAYOUT = `under ${WORKSPACE_FOLDERS.map((folder) => `${folder}/`).join(", ")} or one of ${WORKSPACE_ROOT_FILES.join(", ")}`;

function isFolder(value: string): value is WorkspaceFolder {
  return (WORKSPACE_FOLDERS as readonly string[]).includes(value);
}

function isRootFile(value: string): value is WorkspaceRootFile {
  return (WORKSPACE_ROOT_FILES as readonly string[]).includes(value);
}

const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** One layer of percent-decoding that leaves invalid escapes (`%ZZ`, a lone `%`) as they are. */
function decodeLeniently(value: string): string {
  return value.replace(ESCAPE_RUN, (run) =>
    Buffer.from(run.replaceAll("%", ""), "hex").toString("utf8"),
  );
}

/**
 * Every spelling of the path a component might see: as given and each layer
 * of decoding, down to the fixed point. Each layer that changes anything is
 * shorter than the one before, so there are at most as many as characters.
 */
function decodedForms(raw: string): string[] {
  const forms = [raw];
  let current = raw;
  for (let next = decodeLeniently(current); next !== current; next = decodeLeniently(current)) {
    forms.push(next);
    current = next;
  }
  return forms;
}

const utf8Bytes = (value: string): number => Buffer.byteLength(value, "utf8");

function structuralProblem(form: string): string | undefined {
  if (CONTROL_CHARACTERS.test(form)) return "must not contain control characters";
  if (form.includes("\\")) return "must not contain backslashes; separate folders with /";
  if (form.startsWith("/") || form.startsWith("~") || DRIVE_PREFIX.test(form)) {
    return "must be relative to the workspace (no leading /, ~ or drive letter)";
  }
  const segments = form.split("/");
  if (segments.some((segment) => segment === "..")) return "must not contain .. segments";
  if (segments.some((segment) => segment === ".")) return "must not contain . segments";
  if (segments.some((segment) => segment === "")) {
    return "must not contain empty segments (//) or end with /";
  }
  return undefined;
}

/** Checks a workspace path; the reason, if any, is safe to show to the caller. */
export function checkWorkspacePath(raw: string): PathCheck {
  if (raw.length === 0) return { ok: false, reason: "must not be empty" };
  if (utf8Bytes(raw) > MAX_WORKSPACE_PATH_BYTES) {
    return { ok: false, reason: `must be at most ${MAX_WORKSPACE_PATH_BYTES} bytes in UTF-8` };
  }
  if (raw.split("/").some((segment) => utf8Bytes(segment) > MAX_SEGMENT_BYTES)) {
    return {
      ok: false,
      reason: `must not have a folder or file name longer than ${MAX_SEGMENT_BYTES} bytes in UTF-8`,
    };
  }
  if (raw.normalize("NFC") !== raw) return { ok: false, reason: "must be Unicode NFC-normalised" };
  for (const form of decodedForms(raw)) {
    const problem = structuralProblem(form);
    if (problem) return { ok: false, reason: problem };
  }
  // Percent signs are refused outright: a name with one would be read as an
  // escape by some component, and refusing them keeps the rule a pattern.
  if (raw.includes("%")) return { ok: false, reason: "must not contain %" };
  const segments = raw.split("/");
  const [first, ...rest] = segments;
  if (first === undefined) return { ok: false, reason: "must not be empty" };
  if (rest.length === 0) {
    if (isRootFile(first))
      return { ok: true, value: { kind: "root", file: first, path: raw, name: first } };
    if (isFolder(first)) return { ok: false, reason: `must name a file inside ${first}/` };
    return { ok: false, reason: `must be ${ALLOWED_LAYOUT}` };
  }
  if (!isFolder(first)) return { ok: false, reason: `must be ${ALLOWED_LAYOUT}` };
  return { ok: true, value: { kind: "folder", folder: first, path: raw, name: rest.join("/") } };
}

/** Where a listed object belongs, from its path relative to the workspace prefix. */
export function classifyWorkspaceEntry(
  relativePath: string,
):
  | { kind: "folder"; folder: WorkspaceFolder; name: string }
  | { kind: "root"; name: string }
  | { kind: "other" } {
  const slash = relativePath.indexOf("/");
  if (slash === -1) return { kind: "root", name: relativePath };
  const head = relativePath.slice(0, slash);
  const name = relativePath.slice(slash + 1);
  if (isFolder(head) && name.length > 0) return { kind: "folder", folder: head, name };
  return { kind: "other" };
}
