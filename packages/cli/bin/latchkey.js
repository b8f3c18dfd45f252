#!/usr/bin/env node
// The `latchkey` command. It is checked in, not built, because `npm ci` links a workspace's
// bin before the `prepare` script has built the CLI, and skips a bin whose file is missing.
// It runs the bundled CLI (rolldown.config.mjs), which starts faster than the compiled modules.
import "../bundle/bin.js";
