import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { renderTable } from "../output/table.js";

async function showPermissions(ctx: Context, options: { category?: string }): Promise<number> {
  const catalogue = await (await ctx.client()).permissionCatalogue();
  const categories =
    options.category === undefined
      ? catalogue.categories
      : catalogue.categories.filter((c) => c.name === options.category);
  if (categories.length === 0) {
    throw new UsageError(
      `no category named '${options.category}'`,
      `choose one of: ${catalogue.categories.map((c) => c.name).join(", ")}`,
    );
  }
  ctx.show(options.category === undefined ? catalogue : categories[0], () => {
    const { bold, cyan, dim } = ctx.out;
    for (const category of categories) {
      ctx.print(`${bold(cyan(category.name))}  ${category.description}\n`);
      if (category.routes.length === 0) ctx.print(`  ${dim("(no routes yet)")}\n\n`);
      else {
        const table = renderTable(
          ["METHOD", "PATH", "ROUTE NAME", "WHAT IT DOES"],
          category.routes.map((route) => [route.method, route.path, route.name, route.summary]),
          dim,
        );
        ctx.print(`${table.replace(/^(?=.)/gm, "  ")}\n`);
      }
    }
    if (options.category === undefined) {
      ctx.print(`${bold("Presets")} (create api-key --preset NAME)\n`);
      ctx.print(
        renderTable(
          ["NAME", "GRANTS", "FOR"],
          catalogue.presets.map((preset) => [
            preset.name,
            preset.permissions === null
              ? "full access"
              : Object.keys((preset.permissions as { api?: object }).api ?? {}).join(", "),
            preset.description,
          ]),
          dim,
        ).replace(/^(?=.)/gm, "  "),
      );
      ctx.print(
        `\nA rule of {} grants a whole category; naming routes grants only those, e.g.\n` +
          `  {"api": {"instance_read": {"api.instance.show": {"constraints": {"id": {"eq": 1227}}}}}}\n`,
      );
    }
  });
  return ExitCode.ok;
}

export function showPermissionsCommand(app: App): Command {
  return new Command("permissions")
    .description("show the permission categories, the routes each covers, and the presets")
    .option("--category <name>", "only this category, e.g. instance_read")
    .addHelpText(
      "after",
      examples(
        ["latchkey show permissions", "every category and route"],
        ["latchkey show permissions --category user_write", "what user_write covers"],
      ),
    )
    .action(
      app.action((ctx, command) => showPermissions(ctx, command.opts<{ category?: string }>())),
    );
}
