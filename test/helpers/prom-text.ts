/** Value of one series in a Prometheus text exposition (`name{a="b"}` as prom-client writes it). */
export function series(text: string, key: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    if (line.slice(0, at) === key) return Number(line.slice(at + 1));
  }
  return undefined;
}
