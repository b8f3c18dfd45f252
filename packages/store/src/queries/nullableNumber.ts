/** A nullable numeric column as a number (a driver may hand some numeric types back as strings). */
export function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}
