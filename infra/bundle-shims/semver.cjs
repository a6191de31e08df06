// The tracer's dependencies (cls-hooked, and the X-Ray SDK's patcher for the
// older AWS SDK) call only `semver.gte`, but `require("semver")` loads all of
// semver. Bundles map `semver` here, so they carry that one function of it
// (by path: the alias would map `semver/...` back to this file).
module.exports = { gte: require("../../node_modules/semver/functions/gte.js") };
