/** "full access", or the categories a tree grants ("user_read, instance_read (2 routes)"). */
export function permissionSummary(permissions: unknown): string {
  if (permissions === null || permissions === undefined) return "full access";
  const api = (permissions as { api?: Record<string, unknown> }).api;
  if (api === undefined || api === null || typeof api !== "object") return "custom";
  const names = Object.entries(api).map(([category, rule]) => {
    const routes =
      rule !== null && typeof rule === "object" ? Object.keys(rule).filter((r) => r !== "*") : [];
    const wildcard = rule !== null && typeof rule === "object" && "*" in rule;
    if (routes.length === 0) return category;
    const count = `${routes.length} route${routes.length === 1 ? "" : "s"}`;
    return `${category} (${count}${wildcard ? " + rest" : ""})`;
  });
  return names.length === 0 ? "nothing" : names.join(", ");
}
