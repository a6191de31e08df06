import { config } from "#shared/config.ts";
import { getViewerRoute } from "#shared/contract/routes/service/viewer.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { buildViewerPage, type ViewerPage } from "./page.ts";

// Built at the first request and kept: the page depends only on the deployed
// code, and importing the handler reads no file.
let page: ViewerPage | undefined;

export const handler = apiHandler(getViewerRoute, async () => {
  page ??= buildViewerPage(config().STREAM_URL);
  return {
    status: 200,
    text: { contentType: "text/html; charset=utf-8", content: page.html },
    headers: {
      "Content-Security-Policy": page.contentSecurityPolicy,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      "X-Frame-Options": "DENY",
    },
  };
});
