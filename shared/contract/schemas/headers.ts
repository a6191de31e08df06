/**
 * What the request headers the routes read may hold: patterns and lengths
 * the gateway's functions check and the OpenAPI document states.
 */

/** What an Idempotency-Key header may hold. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;

/** What an If-Match header may hold: `*`, or entity tags (strong `"3"` or weak `W/"x"`). */
export const MAX_IF_MATCH_LENGTH = 1024;
export const IF_MATCH_PATTERN = /^[ \t]*(\*|(W\/)?"[^"]*"([ \t]*,[ \t]*(W\/)?"[^"]*")*)[ \t]*$/;
