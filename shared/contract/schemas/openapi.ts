import * as z from "zod";

/** The body of `GET /openapi.json`: any OpenAPI 3.1 document. */
export const OpenApiDocumentBody = z
  .looseObject({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .meta({
    id: "OpenApiDocument",
    description: "This API's OpenAPI 3.1 document.",
    example: {
      openapi: "3.1.0",
      info: { title: "Session Trail API", version: "0.1.0" },
      paths: {},
    },
  });
export type OpenApiDocumentBody = z.infer<typeof OpenApiDocumentBody>;
