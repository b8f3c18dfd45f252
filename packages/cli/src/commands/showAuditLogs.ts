import { Command, InvalidArgumentError, Option } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { renderTable } from "../output/table.js";
import { formatTime } from "../output/time.js";

interface AuditOptions {
  action?: string;
  keyId?: number;
  before?: number;
  limit?: number;
}

function positive(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new InvalidArgumentError("expected a whole number ≥ 1.");
  return Number(raw);
}

/** Arguments in one line, cut so the table stays readable; --raw has them whole. */
function shortArgs(args: unknown): string {
  if (args === null || args === undefined) return "";
  const text = JSON.stringify(args);
  if (text === "{}") return "";
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

async function showAuditLogs(ctx: Context, options: AuditOptions): Promise<number> {
  const client = await ctx.client();
  const logs = await client.auditLogs({
    ...(options.action === undefined ? {} : { action: options.action }),
    ...(options.keyId === undefined ? {} : { api_key_id: options.keyId }),
    ...(options.before === undefined ? {} : { before: options.before }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
  ctx.show({ audit_logs: logs }, () => {
    if (logs.length === 0) return ctx.print("No audit log entries.\n");
    const now = ctx.now();
    ctx.print(
      renderTable(
        ["ID", "TIME", "ACTION", "KEY", "ROUTE", "IP", "ARGS"],
        logs.map((log) => [
          String(log.id),
          formatTime(log.created_at, now),
          // A counted refusal: one row for its repeats within the minute.
          log.count > 1 ? `${log.action} ×${log.count}` : log.action,
          log.api_key_id === null ? "—" : String(log.api_key_id),
          log.api_route,
          log.ip_address ?? "—",
          shortArgs(log.args),
        ]),
        ctx.out.bold,
      ),
    );
    const last = logs[logs.length - 1];
    if (last !== undefined && logs.length === (options.limit ?? 100)) {
      ctx.note(`More may exist: latchkey show audit-logs --before ${last.id}`);
    }
  });
  return ExitCode.ok;
}

export function showAuditLogsCommand(app: App): Command {
  return new Command("audit-logs")
    .description(
      "show the account's audit log, newest first: key creates, resets, deletes, denied uses",
    )
    .option("--action <action>", "only this action, e.g. api_key.create or api_key.denied")
    .addOption(new Option("--key-id <id>", "only events of this API key").argParser(positive))
    .addOption(
      new Option("--before <id>", "only entries older than this id (paging)").argParser(positive),
    )
    .addOption(
      new Option("--limit <n>", "at most N entries (default 100, at most 500)").argParser(positive),
    )
    .addHelpText(
      "after",
      examples(
        ["latchkey show audit-logs", "the latest 100 entries"],
        ["latchkey show audit-logs --action api_key.denied", "refused uses of your keys"],
        ["latchkey show audit-logs --key-id 12 --limit 20", "what happened to key 12"],
      ),
    )
    .action(app.action((ctx, command) => showAuditLogs(ctx, command.opts<AuditOptions>())));
}
