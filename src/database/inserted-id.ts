/** The integer id of the row an `EntityManager.insert` created (from `result.identifiers`). */
export function insertedId(identifiers: Record<string, unknown>[]): number {
  const id = identifiers[0]?.id;
  if (typeof id !== 'number') throw new Error('insert returned no integer id');
  return id;
}
