/**
 * CPU time of the calling thread, in milliseconds: how long synchronous work would take on a
 * core of its own. Unlike wall time it does not grow while other processes hold the CPU, so
 * timing checks (scaling ratios, stall bounds) keep their meaning on a busy machine.
 * `process.threadCpuUsage` exists from Node 23.9 (the tests run on the bundled Node 24); older
 * Nodes fall back to the process's CPU time, which also counts GC helper threads and only
 * overstates.
 */
type CpuUsage = () => { user: number; system: number };

const usage: CpuUsage =
  typeof (process as { threadCpuUsage?: CpuUsage }).threadCpuUsage === 'function'
    ? () => (process as unknown as { threadCpuUsage: CpuUsage }).threadCpuUsage()
    : () => process.cpuUsage();

export function threadCpuMs(): number {
  const { user, system } = usage();
  return (user + system) / 1000;
}
