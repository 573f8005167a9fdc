/** Timestamps leave the service as ISO-8601 UTC strings (protocol §1.1). */
export function iso(date: Date): string {
  return date.toISOString();
}
