import { writeFileSync } from "node:fs";
import { combinationRules, settings } from "./config.js";

function shown(value: unknown): string {
  if (value === undefined) return "unset";
  if (Array.isArray(value)) return `\`${value.join(",")}\``;
  return `\`${String(value)}\``;
}

/**
 * docs/configuration.md, written from `settings` so the page cannot drift from the code
 * (configDocs.test.ts compares them). Regenerate with `npm run docs:config`.
 */
export function renderConfigurationDocs(): string {
  const rows = settings.map(
    (s) =>
      `| \`${s.env}\` | \`${s.flag}\` | ${shown(s.default)} | ${s.description.replaceAll("|", "\\|")} |`,
  );
  return [
    "# Configuration",
    "",
    "The server reads these environment variables once, at start; `latchkey serve` takes each as",
    "a flag too, and a flag wins over its variable. A bad value stops start-up with a message",
    "naming the variable (exit status 78). This page is generated from",
    "`packages/server/src/config.ts` by `npm run docs:config`.",
    "",
    "| variable | `latchkey serve` flag | default | meaning |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "## Settings that do not work together",
    "",
    "Each of these is refused at start-up too, naming the variable to change, rather than",
    "failing later (a 16-character `LATCHKEY_KEY_PREFIX`, which would leave no room for the",
    "session keys' `s`, is refused by the prefix's own rule above).",
    "",
    "| variable | rule |",
    "| --- | --- |",
    ...combinationRules.map((r) => `| \`${r.variable}\` | ${r.rule.replaceAll("|", "\\|")} |`),
    "",
  ].join("\n");
}

if (process.argv[1]?.endsWith("configDocs.js")) {
  const target = process.argv[2] ?? "docs/configuration.md";
  writeFileSync(target, renderConfigurationDocs());
  process.stdout.write(`wrote ${target}\n`);
}
