/** The name the append path reads a session by; it lives in sessions/read.ts. */
export { readSession } from "./sessions/read.ts";
