/** An option of the create dialog's expiry: "" is never, else a number of days. */
export interface ExpiryChoice {
  value: string;
  label: string;
}

const PRESET_DAYS = [7, 30, 90, 365];

function inDays(days: number): string {
  if (days === 365) return "In a year";
  return days === 1 ? "In 1 day" : `In ${days} days`;
}

/**
 * The expiry options for a new key. Under a maximum lifetime, "Never" and anything longer are
 * left out and the maximum itself is offered (and chosen by default, as the server would).
 */
export function expiryChoices(maxDays: number | null): ExpiryChoice[] {
  if (maxDays === null) {
    return [
      { value: "", label: "Never" },
      ...PRESET_DAYS.map((d) => ({ value: String(d), label: inDays(d) })),
    ];
  }
  return [
    ...PRESET_DAYS.filter((d) => d < maxDays).map((d) => ({ value: String(d), label: inDays(d) })),
    { value: String(maxDays), label: `${inDays(maxDays)} (the maximum)` },
  ];
}

/** The choice selected before the user picks one: never, or the maximum when there is one. */
export function defaultExpiry(maxDays: number | null): string {
  return maxDays === null ? "" : String(maxDays);
}
