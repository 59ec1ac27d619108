export function clientScenarioRules(): string[] {
  return [];
}
export async function runClientMode(_f: unknown, _say: (s: string) => void): Promise<number> {
  return 2;
}
