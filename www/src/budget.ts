// The memory budget of an app's Quiver client: all open files together stay
// under 3 GB, or under `?memoryBudget=<bytes>` (a device with less memory to
// spare; the end-to-end tests of the column picker use a small one).
export function memoryBudget(): number {
  const asked = Number(new URLSearchParams(location.search).get("memoryBudget"));
  return asked > 0 ? asked : 3_000_000_000;
}
