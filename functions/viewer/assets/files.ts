/**
 * The workspace's files in the investigate panel, and their downloads. A
 * browser cannot send the key along a redirect, so one click asks the API
 * for a presigned link (redirect=false), opens it in a new tab and leaves a
 * "download again" link in place of the button.
 */
import { ROUTE_INDEX } from "#shared/client/route-index.ts";
import type {
  SessionInvestigationResponse,
  WorkspaceFile,
} from "#shared/contract/schemas/investigate.ts";
import { call, report } from "./api.ts";
import { el } from "./dom.ts";
import { formatBytes, openLink, plural } from "./ui.ts";

const FOLDERS = ["input", "output", "logs"] as const;

async function downloadLink(sessionId: string, path: string, button: HTMLElement): Promise<void> {
  try {
    const answer = await call(ROUTE_INDEX.getWorkspaceFile, {
      params: { id: sessionId, path },
      query: { redirect: "false" },
    });
    if (answer.status !== 200) throw new Error("the API answered a redirect, not a link");
    const url = new URL(answer.body.url);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not a web link");
    const anchor = el("a", {
      text: "download again",
      attrs: { href: url.href, target: "_blank", rel: "noopener noreferrer" },
    });
    button.replaceWith(anchor);
    openLink(url.href);
  } catch (failure) {
    report(failure, `Download link for ${path}`);
  }
}

function fileList(prefix: string, files: readonly WorkspaceFile[], sessionId: string) {
  return el(
    "ul",
    {},
    files.map((file) => {
      const path = `${prefix}${file.name}`;
      const button = el("button", { text: "download", attrs: { type: "button" } });
      button.addEventListener("click", () => downloadLink(sessionId, path, button));
      return el("li", { attrs: { "data-path": path } }, [
        el("span", { text: file.name, className: "mono" }),
        el("span", { text: formatBytes(file.size_bytes), className: "size" }),
        button,
      ]);
    }),
  );
}

/** The three folders and the workspace root, each with its files and a download per file. */
export function filesTree(report: SessionInvestigationResponse): HTMLUListElement {
  const tree = el("ul", { className: "files", attrs: { id: "files" } });
  for (const name of FOLDERS) {
    const folder = report.files.directories[name];
    const size = formatBytes(folder.total_size_bytes);
    const truncated = folder.truncated ? ", truncated" : "";
    tree.append(
      el("li", {}, [
        el("span", {
          text: `${name}/ (${plural(folder.file_count, "file")}, ${size}${truncated})`,
        }),
        fileList(`${name}/`, folder.files, report.session_id),
      ]),
    );
  }
  tree.append(
    el("li", {}, [
      el("span", { text: "workspace root" }),
      fileList("", report.files.root_files, report.session_id),
    ]),
  );
  return tree;
}
