#!/usr/bin/env node
// The `latchkey` command. It is checked in, not built, because `npm ci` links a workspace's
// bin before the `prepare` script has built dist/, and skips a bin whose file is missing.
import "../dist/bin.js";
