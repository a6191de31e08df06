/**
 * Routes of a session's workspace: upload, download, investigate. Each route
 * is one module (workspaces/) that imports only its own schemas, and its
 * handler imports that module; this one lists the area for the route table
 * and its other readers.
 */
export { getWorkspaceFileRoute } from "./workspaces/file.ts";
export { investigateSessionRoute } from "./workspaces/investigate.ts";
export { createUploadRoute } from "./workspaces/upload.ts";
