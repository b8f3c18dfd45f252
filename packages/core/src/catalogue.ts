/**
 * The route catalogue: every route a permission tree can name, as data. Each entry ties an
 * HTTP method and path pattern to the category that grants it and the route name a tree can
 * use to grant it alone. The server's own entries live beside its routes (each route file
 * declares its own); the Vast platform preset here names the routes of a Vast-style platform so
 * that Vast's documented trees validate; operators add their own services' routes.
 */
export const categories = [
  "instance_read",
  "instance_write",
  "user_read",
  "user_write",
  "billing_read",
  "billing_write",
  "machine_read",
  "machine_write",
  "misc",
  "team_read",
  "team_write",
] as const;

export type Category = (typeof categories)[number];

export const categoryDescriptions: Readonly<Record<Category, string>> = {
  instance_read: "See instances, their logs, instance SSH keys, volumes and deposits.",
  instance_write: "Create, manage and destroy instances and volumes.",
  user_read: "See the account, its API keys, sessions, SSH keys, env vars and templates.",
  user_write: "Create, reset and delete API keys; end sessions; change SSH keys and templates.",
  billing_read: "See invoices and earnings.",
  billing_write: "Transfer credit and manage payment.",
  machine_read: "See hosted machines.",
  machine_write: "Manage hosted machines.",
  misc: "Offer search, benchmarks, serverless endpoints and the audit log.",
  team_read: "See team members and roles.",
  team_write: "Manage team members and roles.",
};

export function isCategory(value: string): value is Category {
  return (categories as readonly string[]).includes(value);
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE" | "PATCH";

export interface RouteEntry {
  method: HttpMethod;
  /** Path pattern with `{param}` placeholders, e.g. `/api/v0/instances/{id}/`. */
  path: string;
  /** The category that grants it; null for public routes that take no credential. */
  category: Category | null;
  /** The name a permission tree uses to grant this route alone, e.g. `api.instance.show`. */
  name: string;
  summary: string;
  /** Where the entry comes from: this server, the Vast platform preset, or an operator. */
  source: "server" | "platform" | "operator";
}

type Entry = Omit<RouteEntry, "source">;

const platform = (entries: Entry[]): RouteEntry[] =>
  entries.map((e) => ({ ...e, source: "platform" }));

/**
 * Routes of a Vast-style platform, with Vast's categories and route names, so that Vast's
 * documented trees validate and services behind the verify API can enforce them.
 */
export const platformRoutes: readonly RouteEntry[] = platform([
  {
    method: "GET",
    path: "/api/v0/instances/",
    category: "instance_read",
    name: "api.instance.list",
    summary: "List instances.",
  },
  {
    method: "GET",
    path: "/api/v0/instances/{id}/",
    category: "instance_read",
    name: "api.instance.show",
    summary: "Show one instance.",
  },
  {
    method: "PUT",
    path: "/api/v0/instances/request_logs/{id}/",
    category: "instance_read",
    name: "api.instance.request_logs",
    summary: "Request an instance's logs.",
  },
  {
    method: "GET",
    path: "/api/v0/volumes/",
    category: "instance_read",
    name: "api.volume.list",
    summary: "List volumes.",
  },
  {
    method: "PUT",
    path: "/api/v0/instances/",
    category: "instance_write",
    name: "api.instance.create",
    summary: "Create an instance.",
  },
  {
    method: "PUT",
    path: "/api/v0/instances/{id}/",
    category: "instance_write",
    name: "api.instance.manage",
    summary: "Start, stop or label an instance.",
  },
  {
    method: "PUT",
    path: "/api/v0/instances/reboot/{id}/",
    category: "instance_write",
    name: "api.instance.reboot",
    summary: "Reboot an instance.",
  },
  {
    method: "DELETE",
    path: "/api/v0/instances/{id}/",
    category: "instance_write",
    name: "api.instance.destroy",
    summary: "Destroy an instance.",
  },
  {
    method: "GET",
    path: "/api/v0/invoices/",
    category: "billing_read",
    name: "api.billing.invoices",
    summary: "List invoices.",
  },
  {
    method: "GET",
    path: "/api/v0/user/earnings",
    category: "billing_read",
    name: "api.billing.earnings",
    summary: "Show earnings.",
  },
  {
    method: "PUT",
    path: "/api/v0/commands/transfer_credit/",
    category: "billing_write",
    name: "api.billing.transfer_credit",
    summary: "Transfer credit.",
  },
  {
    method: "GET",
    path: "/api/v0/machines/",
    category: "machine_read",
    name: "api.machine.list",
    summary: "List hosted machines.",
  },
  {
    method: "PUT",
    path: "/api/v0/machines/",
    category: "machine_write",
    name: "api.machine.manage",
    summary: "Manage hosted machines.",
  },
  {
    method: "GET",
    path: "/api/v0/search/asks/",
    category: "misc",
    name: "api.offers.search",
    summary: "Search offers.",
  },
  {
    method: "GET",
    path: "/api/v0/benchmarks/",
    category: "misc",
    name: "api.benchmarks.list",
    summary: "List benchmarks.",
  },
]);

/** A lookup over a set of catalogue entries. */
export class RouteCatalogue {
  readonly entries: readonly RouteEntry[];
  private readonly byName = new Map<string, Category>();

  constructor(entries: readonly RouteEntry[]) {
    for (const e of entries) {
      if (e.category === null) continue;
      const known = this.byName.get(e.name);
      if (known && known !== e.category) {
        throw new Error(`route ${e.name} is listed under both ${known} and ${e.category}`);
      }
      this.byName.set(e.name, e.category);
    }
    this.entries = entries;
  }

  /** The category of a named route, or undefined when no permission can name it. */
  categoryOf(routeName: string): Category | undefined {
    return this.byName.get(routeName);
  }

  /** Route names grouped by category, for people reading the catalogue. */
  routesIn(category: Category): RouteEntry[] {
    return this.entries.filter((e) => e.category === category);
  }
}
