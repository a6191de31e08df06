// s3rver's own command line, with the local stack's key pair (from the
// environment, never the command line another user can read) in place of its
// built-in S3RVER key. Requests signed with any other key id are refused;
// unsigned ones are served, as s3rver always does.
"use strict";

const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account");

const accessKeyId = process.env.S3RVER_ACCESS_KEY_ID;
const secretAccessKey = process.env.S3RVER_SECRET_ACCESS_KEY;
if (!accessKeyId || !secretAccessKey) {
  process.stderr.write("Error: S3RVER_ACCESS_KEY_ID and S3RVER_SECRET_ACCESS_KEY must be set\n");
  process.exit(1);
}
delete process.env.S3RVER_ACCESS_KEY_ID;
delete process.env.S3RVER_SECRET_ACCESS_KEY;
DUMMY_ACCOUNT.revokeAccessKey("S3RVER");
DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);

require("s3rver/bin/s3rver.js");
