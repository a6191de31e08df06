/**
 * Folder views (input/, output/, logs/) built from workspace listings, and
 * what the listings together say about whether the workspace exists.
 */

import type { WorkspaceDirectory, WorkspaceFile } from "../../contract/schemas/investigate.ts";
import {
  classifyWorkspaceEntry,
  WORKSPACE_FOLDERS,
  type WorkspaceFolder,
} from "../../domain/workspace-paths.ts";
import type { WorkspaceListing, WorkspaceObject } from "../../storage/workspace-store.ts";
import type { Outcome } from "./budget.ts";
import { addError, LIST_REASON, type RequestContext } from "./context.ts";

export type Directories = Record<WorkspaceFolder, WorkspaceDirectory>;

/** A folder whose listing failed: whether it holds anything is unknown. */
function unknownDirectory(): WorkspaceDirectory {
  return { exists: null, file_count: 0, total_size_bytes: 0, truncated: false, files: [] };
}

export function fileEntry(
  context: RequestContext,
  name: string,
  object: WorkspaceObject,
): WorkspaceFile {
  return {
    name: context.redactor.text(name),
    size_bytes: object.sizeBytes,
    modified_at: object.modifiedAt,
  };
}

/** Folder views already built from a (reused, never modified) listing. */
const directoriesByListing = new WeakMap<WorkspaceListing, WorkspaceDirectory>();

function directoryOf(
  context: RequestContext,
  folder: WorkspaceFolder,
  listing: WorkspaceListing,
): WorkspaceDirectory {
  const built = directoriesByListing.get(listing);
  if (built) return built;
  const directory = buildDirectory(context, folder, listing);
  directoriesByListing.set(listing, directory);
  return directory;
}

function buildDirectory(
  context: RequestContext,
  folder: WorkspaceFolder,
  listing: WorkspaceListing,
): WorkspaceDirectory {
  const files: WorkspaceFile[] = [];
  let total = 0;
  for (const object of listing.objects) {
    const entry = classifyWorkspaceEntry(object.path);
    if (entry.kind !== "folder" || entry.folder !== folder) continue;
    files.push(fileEntry(context, entry.name, object));
    total += object.sizeBytes;
  }
  return {
    exists: files.length > 0,
    file_count: files.length,
    total_size_bytes: total,
    truncated: listing.truncated,
    files,
  };
}

/** Each folder's view, in WORKSPACE_FOLDERS order; a failed listing is reported and unknown. */
export function directoriesOf(
  context: RequestContext,
  listings: readonly Outcome<WorkspaceListing>[],
): Directories {
  const directoryAt = (folder: WorkspaceFolder): WorkspaceDirectory => {
    const listing = listings[WORKSPACE_FOLDERS.indexOf(folder)];
    if (listing?.ok) return directoryOf(context, folder, listing.value);
    addError(context, `${folder}/`, LIST_REASON[listing?.reason ?? "failed"]);
    return unknownDirectory();
  };
  return {
    input: directoryAt("input"),
    output: directoryAt("output"),
    logs: directoryAt("logs"),
  };
}

/** The objects directly in the workspace's root (status.json, meta.json, …). */
export function rootObjectsOf(listing: WorkspaceListing | undefined): WorkspaceObject[] {
  return (listing?.objects ?? []).filter(
    (object) => classifyWorkspaceEntry(object.path).kind === "root",
  );
}

/**
 * Files seen anywhere prove the workspace exists; only a root listing that
 * answered can prove it does not; otherwise it is unknown (null).
 */
export function workspaceExists(
  rootListing: WorkspaceListing | undefined,
  rootObjects: readonly WorkspaceObject[],
  directories: Directories,
): boolean | null {
  const seen =
    rootObjects.length > 0 ||
    (rootListing?.folders.length ?? 0) > 0 ||
    WORKSPACE_FOLDERS.some((folder) => directories[folder].exists === true);
  return seen ? true : rootListing ? false : null;
}
