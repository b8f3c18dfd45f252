/** One instance of the demo fleet. */
export interface Instance {
  id: number;
  label: string;
  gpu: string;
  status: "running" | "rebooting";
  reboots: number;
}

const DEMO = [
  { id: 1227, label: "training", gpu: "RTX 4090" },
  { id: 1228, label: "inference", gpu: "A100" },
  { id: 1229, label: "scratch", gpu: "RTX 3090" },
];

/**
 * Each account's instances, in memory. A demo: every account starts with instances 1227, 1228
 * and 1229 of its own, so the README's walk-through works for whoever follows it.
 */
export class Fleet {
  private readonly byUser = new Map<number, Map<number, Instance>>();

  private of(userId: number): Map<number, Instance> {
    let fleet = this.byUser.get(userId);
    if (!fleet) {
      fleet = new Map(DEMO.map((d) => [d.id, { ...d, status: "running", reboots: 0 }]));
      this.byUser.set(userId, fleet);
    }
    return fleet;
  }

  list(userId: number): Instance[] {
    return [...this.of(userId).values()];
  }

  show(userId: number, id: number): Instance | undefined {
    return this.of(userId).get(id);
  }

  reboot(userId: number, id: number): Instance | undefined {
    const instance = this.of(userId).get(id);
    if (instance) {
      instance.status = "rebooting";
      instance.reboots += 1;
    }
    return instance;
  }

  destroy(userId: number, id: number): boolean {
    return this.of(userId).delete(id);
  }
}
