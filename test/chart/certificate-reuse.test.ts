// The `generate` certificate mode across upgrades. `helm template --dry-run=server` against a
// loopback fake of the API lets the chart's `lookup` find the Secrets an earlier render made,
// which is what `helm upgrade` sees in a real cluster.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HelmLookupApiServer } from './helm-lookup-apiserver.js';
import {
  FULLNAME,
  HELM_VERSION,
  NAMESPACE,
  RELEASE,
  describeWithHelm,
  scratch,
  render,
  type K8sObject,
  type Rendered,
} from './helm.js';

const CA = `${FULLNAME}-ca`;
const TLS = `${FULLNAME}-tls`;
const NOT_AFTER = 'rollouts-traffic-webhook/not-after';
const DAY = 86_400;
const pem = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
const bundleOf = (r: Rendered): string => r.webhooks()[0].clientConfig.caBundle;
const certsIn = (bundle: string): X509Certificate[] =>
  (pem(bundle).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (b) => new X509Certificate(b),
  );

/** The Secret as a real install leaves it: helm adds ownership metadata, which upgrades check. */
function asInstalled(secret: K8sObject): K8sObject {
  const copy = structuredClone(secret);
  copy.metadata.annotations = {
    ...copy.metadata.annotations,
    'meta.helm.sh/release-name': RELEASE,
    'meta.helm.sh/release-namespace': NAMESPACE,
  };
  return copy;
}

/** The Secret as the cluster would hold it, with its not-after annotation moved. */
function expiringIn(secret: K8sObject, seconds: number): K8sObject {
  const copy = structuredClone(secret);
  copy.metadata.annotations[NOT_AFTER] = String(Math.floor(Date.now() / 1000) + seconds);
  return copy;
}

describeWithHelm(`generate mode across upgrades (helm ${HELM_VERSION}, fake API server)`, () => {
  const api = new HelmLookupApiServer();
  let kubeconfig: string;
  const upgrade = (): Promise<Rendered> =>
    render({}, { flags: ['--kubeconfig', kubeconfig, '--dry-run=server', '--disable-openapi-validation'] });

  beforeAll(async () => {
    await api.start();
    kubeconfig = api.writeKubeconfig(scratch);
  });
  afterAll(() => api.stop());

  /** First install into an empty namespace, then the cluster holds what it rendered. */
  async function install(): Promise<Rendered> {
    api.clearSecrets();
    const first = await upgrade();
    api.putSecret(asInstalled(first.one('Secret', CA)));
    api.putSecret(asInstalled(first.one('Secret', TLS)));
    return first;
  }

  it('reuses the CA and serving certificate it finds, so caBundle does not change', async () => {
    const first = await install();
    const second = await upgrade();
    expect(second.one('Secret', CA).data).toEqual(first.one('Secret', CA).data);
    expect(second.one('Secret', TLS).data).toEqual(first.one('Secret', TLS).data);
    expect(bundleOf(second)).toBe(bundleOf(first));
    expect(api.unknownPaths).toEqual([]);
  });

  it('makes new certificates when the cluster holds none (what plain `helm template` always sees)', async () => {
    const first = await install();
    api.clearSecrets();
    const fresh = await upgrade();
    expect(fresh.one('Secret', CA).data['tls.crt']).not.toBe(first.one('Secret', CA).data['tls.crt']);
  });

  it('re-signs a serving certificate close to expiry with the same CA', async () => {
    const first = await install();
    api.putSecret(asInstalled(expiringIn(first.one('Secret', TLS), 30 * DAY)));
    const renewed = await upgrade();
    expect(renewed.one('Secret', CA).data).toEqual(first.one('Secret', CA).data);
    expect(bundleOf(renewed)).toBe(bundleOf(first));
    const leaf = new X509Certificate(pem(renewed.one('Secret', TLS).data['tls.crt']));
    expect(leaf.serialNumber).not.toBe(
      new X509Certificate(pem(first.one('Secret', TLS).data['tls.crt'])).serialNumber,
    );
    const [ca] = certsIn(bundleOf(first));
    expect(leaf.verify(ca!.publicKey)).toBe(true);
  });

  it('rotates a CA close to expiry and keeps the old one in caBundle for the swap', async () => {
    const first = await install();
    const oldCa = new X509Certificate(pem(first.one('Secret', CA).data['tls.crt']));
    api.putSecret(asInstalled(expiringIn(first.one('Secret', CA), 100 * DAY)));
    const rotated = await upgrade();
    const bundle = certsIn(bundleOf(rotated));
    expect(bundle).toHaveLength(2);
    const [newCa, previous] = bundle;
    expect(previous!.fingerprint256).toBe(oldCa.fingerprint256);
    expect(newCa!.fingerprint256).not.toBe(oldCa.fingerprint256);
    const leaf = new X509Certificate(pem(rotated.one('Secret', TLS).data['tls.crt']));
    expect(leaf.verify(newCa!.publicKey)).toBe(true);
    // The serving Secret's ca.crt is the same bundle, for scrapers that verify against it.
    expect(rotated.one('Secret', TLS).data['ca.crt']).toBe(bundleOf(rotated));
    expect(rotated.one('Secret', CA).data['previous.crt']).toBe(first.one('Secret', CA).data['tls.crt']);

    // The next upgrade keeps both, until the old CA has expired.
    api.putSecret(asInstalled(rotated.one('Secret', CA)));
    api.putSecret(asInstalled(rotated.one('Secret', TLS)));
    const next = await upgrade();
    expect(bundleOf(next)).toBe(bundleOf(rotated));
  });

  it('drops an expired previous CA from caBundle', async () => {
    const first = await install();
    api.putSecret(asInstalled(expiringIn(first.one('Secret', CA), 100 * DAY)));
    const rotated = await upgrade();
    const caSecret = structuredClone(rotated.one('Secret', CA));
    caSecret.metadata.annotations['rollouts-traffic-webhook/previous-ca-not-after'] = String(
      Math.floor(Date.now() / 1000) - DAY,
    );
    api.putSecret(asInstalled(caSecret));
    api.putSecret(asInstalled(rotated.one('Secret', TLS)));
    const later = await upgrade();
    expect(certsIn(bundleOf(later))).toHaveLength(1);
    expect(later.one('Secret', CA).data['previous.crt']).toBeUndefined();
    // The serving certificate stays; only the bundle next to it shrinks.
    expect(later.one('Secret', TLS).data['tls.crt']).toBe(rotated.one('Secret', TLS).data['tls.crt']);
    expect(later.one('Secret', TLS).data['tls.key']).toBe(rotated.one('Secret', TLS).data['tls.key']);
    expect(later.one('Secret', TLS).data['ca.crt']).toBe(bundleOf(later));
  });
});
