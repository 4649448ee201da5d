import { readFile } from 'node:fs/promises';

/**
 * test/fixtures/miswired as text, in a namespace of choice: a Rollout and its ALB Ingress whose
 * backend port is a number (two findings of alb-backend-port-number).
 */
export async function miswiredText(namespace = 'payments'): Promise<string> {
  const text = await readFile('test/fixtures/miswired/app.yaml', 'utf8');
  return text.replaceAll('namespace: payments', `namespace: ${namespace}`);
}

/**
 * The same app fixed: the backend port is named use-annotation, and the Ingress carries the
 * action the load balancer then reads (as the mutating hook writes it on that update).
 */
export async function fixedText(namespace = 'payments'): Promise<string> {
  const action = JSON.stringify({
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { ServiceName: 'api-canary', ServicePort: '8080', Weight: 0 },
        { ServiceName: 'api-stable', ServicePort: '8080', Weight: 100 },
      ],
    },
  });
  return (await miswiredText(namespace))
    .replace('port: { number: 8080 }', 'port: { name: use-annotation }')
    .replace(
      '    kubernetes.io/ingress.class: alb',
      `    kubernetes.io/ingress.class: alb\n    alb.ingress.kubernetes.io/actions.api-stable: '${action}'`,
    );
}
