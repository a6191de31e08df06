#!/usr/bin/env node
// The `session-trail` bin: registers tsx (a runtime dependency) so the
// TypeScript sources run as they are, from a checkout, `npm link` or an install.
import { register } from "tsx/esm/api";

register();
await import("./session-trail/main.ts");
