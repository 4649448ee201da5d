// Runs the chart's `helm test` pod the way a kubelet would run its only container, minus the
// image: the command, args and environment as rendered (or as stored by the apiserver), with this
// machine's node in place of the image's (test/chart/webhook-test-pod.test.ts).
import { spawn } from 'node:child_process';

export interface TestPodSpec {
  spec?: {
    containers: { command?: string[]; args?: string[]; env?: { name: string; value?: string }[] }[];
  };
}

export interface TestPodRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runTestPod(pod: TestPodSpec): Promise<TestPodRun> {
  const containers = pod.spec?.containers ?? [];
  if (containers.length !== 1) throw new Error(`the test pod has ${containers.length} containers, not 1`);
  const [node, ...nodeArgs] = containers[0]!.command ?? [];
  if (node !== 'node') throw new Error(`the test pod's command is ${JSON.stringify(node)}, not node`);
  const env = Object.fromEntries((containers[0]!.env ?? []).map((e) => [e.name, e.value ?? '']));
  const child = spawn(process.execPath, [...nodeArgs, ...(containers[0]!.args ?? [])], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
