import { getViewerRoute } from "#shared/contract/routes/service.ts";
import { apiHandler } from "#shared/http/api-handler.ts";
import { buildViewerPage } from "./page.ts";

// Built once per cold start: the page depends only on the deployed code.
const page = buildViewerPage();

export const handler = apiHandler(getViewerRoute, async () => ({
  status: 200,
  text: { contentType: "text/html; charset=utf-8", content: page.html },
  headers: {
    "Content-Security-Policy": page.contentSecurityPolicy,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
  },
}));
