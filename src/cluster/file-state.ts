/**
 * Cluster state from manifest files and folders, for `review`, `check`, `render` and
 * `serve --state`. It is loaded once by `start()` and synced from then on: a file cannot
 * go stale the way a watch can. Bad files and documents are collected in `loadErrors()`;
 * they never stop the rest from loading.
 */
import { RESOURCE_KINDS } from './cluster-state.js';
import type { CacheStatus, ClusterState, ResourceKind, ResourceStatus } from './cluster-state.js';
import { describeLocation, readManifests } from './manifest-files.js';
import type { LoadError, ManifestDocument, ManifestLocation, ManifestSet } from './manifest-files.js';
import { KIND_NAMES, project, resourceOfManifest } from './project.js';
import { StoreBackedView, storeKey } from './store.js';

export interface FileStateOptions {
  /** Keep only objects in these namespaces (IngressClasses are cluster-scoped and always kept). */
  namespaces?: string[];
}

export class FileClusterState extends StoreBackedView implements ClusterState {
  private errors: LoadError[] = [];
  private ignoredDocuments = 0;
  private loadedAt: number | undefined;

  constructor(
    private readonly paths: string[],
    private readonly options: FileStateOptions = {},
  ) {
    super();
  }

  /**
   * Loads every path. Resolves after the load; the state is synced from then on. Each
   * document is projected as it is read, so the parsed files are never all in memory at once
   * (40,001 objects: the heap, and so the RSS, stays near what the projections need).
   */
  async start(): Promise<void> {
    const origins = new Map<string, ManifestLocation>();
    const projectionErrors: LoadError[] = [];
    const manifests = await readManifests(this.paths, {
      onDocument: (doc) => this.add(doc, origins, projectionErrors),
    });
    this.errors = [...manifests.errors, ...projectionErrors];
    this.loadedAt = Date.now();
  }

  /**
   * Fills the store from manifests already read (by `readManifests` over this state's paths),
   * for callers that also need the documents themselves, so the files are read once.
   */
  load(manifests: ManifestSet): void {
    const origins = new Map<string, ManifestLocation>();
    const projectionErrors: LoadError[] = [];
    for (const doc of manifests.documents) this.add(doc, origins, projectionErrors);
    this.errors = [...manifests.errors, ...projectionErrors];
    this.loadedAt = Date.now();
  }

  async stop(): Promise<void> {}

  isSynced(): boolean {
    return this.loadedAt !== undefined;
  }

  /** Files and documents that could not be used, each with a message naming where it is. */
  loadErrors(): LoadError[] {
    return [...this.errors];
  }

  /** Documents of kinds the webhook does not read (Deployments, ConfigMaps, ...), or filtered out by namespace. */
  ignoredCount(): number {
    return this.ignoredDocuments;
  }

  status(): CacheStatus {
    const resource = (kind: ResourceKind): ResourceStatus => ({
      synced: this.isSynced(),
      available: true,
      objects: this.store.count(kind),
      lastListAt: this.loadedAt,
      restarts: 0,
      relists: 0,
      staleSeconds: 0,
    });
    return {
      source: 'files',
      synced: this.isSynced(),
      staleSeconds: 0,
      apiCalls: { list: 0, watch: 0, onRequestPath: 0 },
      resources: Object.fromEntries(RESOURCE_KINDS.map((k) => [k, resource(k)])) as Record<
        ResourceKind,
        ResourceStatus
      >,
    };
  }

  /**
   * Projects one document into the store. `origins` remembers where each object was defined
   * (its location only, not the document) to report a later duplicate.
   */
  private add(doc: ManifestDocument, origins: Map<string, ManifestLocation>, errors: LoadError[]): void {
    const kind = resourceOfManifest(doc.apiVersion, doc.kind);
    if (!kind) {
      this.ignoredDocuments++;
      return;
    }
    const projected = project(kind, doc.object);
    if ('problem' in projected) {
      errors.push({ ...location(doc), message: `${describeLocation(doc)}: ${projected.problem}` });
      return;
    }
    const value = projected.value;
    const namespace = 'namespace' in value ? value.namespace : '';
    if (
      kind !== 'ingressclasses' &&
      this.options.namespaces &&
      !this.options.namespaces.includes(namespace)
    ) {
      this.ignoredDocuments++;
      return;
    }
    const key = `${kind} ${storeKey(kind, namespace, value.name)}`;
    const earlier = origins.get(key);
    if (earlier) {
      errors.push({
        ...location(doc),
        message:
          `${describeLocation(doc)}: ${KIND_NAMES[kind]} ${storeKey(kind, namespace, value.name)} ` +
          `is also defined in ${describeLocation(earlier)}; the later definition is used`,
      });
    }
    origins.set(key, location(doc));
    this.store.upsert(kind, value);
  }
}

function location(doc: ManifestLocation): ManifestLocation {
  return doc.item === undefined
    ? { file: doc.file, document: doc.document }
    : { file: doc.file, document: doc.document, item: doc.item };
}
