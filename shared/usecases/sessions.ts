/** The names the append path uses; they live in sessions/transition.ts and sessions/read.ts. */

export { visibleTo } from "./sessions/read.ts";
export { closeOverdue } from "./sessions/transition.ts";
