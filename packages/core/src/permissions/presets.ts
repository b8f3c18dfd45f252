import type { PermissionTree } from "./tree.js";

export interface Preset {
  name: string;
  label: string;
  description: string;
  /** null is full access. */
  permissions: PermissionTree | null;
}

/** The common scoping patterns of Vast's key documentation ("Scope"). */
export const presets: readonly Preset[] = [
  {
    name: "full",
    label: "Full access",
    description:
      "Everything the account can do, including billing and key management. One key per person.",
    permissions: null,
  },
  {
    name: "read-only",
    label: "Read-only",
    description: "See instances and the account; change nothing. For dashboards.",
    permissions: { api: { instance_read: {}, user_read: {} } },
  },
  {
    name: "instances",
    label: "Instance management, no billing",
    description: "Create, manage and destroy instances; no billing. For CI/CD and autoscalers.",
    permissions: { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } },
  },
  {
    name: "instances-billing",
    label: "Instance management with billing",
    description: "Instance management plus invoices and credit transfers.",
    permissions: {
      api: {
        misc: {},
        user_read: {},
        instance_read: {},
        instance_write: {},
        billing_read: {},
        billing_write: {},
      },
    },
  },
];

export function findPreset(name: string): Preset | undefined {
  return presets.find((p) => p.name === name);
}
