package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/diff"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync"
	synccommon "github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/common"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/tracing"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
	"k8s.io/klog/v2/textlogger"
)

// The Argo CD release whose application controller's wiring of gitops-engine is reproduced
// here (argo-cd v3.6.1 requires gitops-engine v3.6.1, the version go.mod pins).
const argoCDRelease = "v3.6.1"

const (
	// The field manager of every Argo CD server-side apply and server-side diff dry run
	// (argo-cd common/common.go, ArgoCDSSAManager).
	argoCDFieldManager = "argocd-controller"
	// Argo CD's default resource tracking since v3.0: this annotation, valued
	// "<app>:<group>/<kind>:<namespace>/<name>" (argo-cd util/argo/resource_tracking.go).
	argoCDTrackingAnnotation = "argocd.argoproj.io/tracking-id"
)

// ArgoCDSyncReport is the outcome of one sync operation, as the Application's
// status.operationState would show it.
type ArgoCDSyncReport struct {
	Phase     string             `json:"phase"`
	Message   string             `json:"message"`
	Resources []ArgoCDSyncResult `json:"resources"`
}

type ArgoCDSyncResult struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// ArgoCDDiffReport holds the comparison in each diff mode Argo CD offers.
type ArgoCDDiffReport struct {
	Modes []ArgoCDDiffMode `json:"modes"`
}

type ArgoCDDiffMode struct {
	// legacy | server-side | server-side-include-mutation-webhook
	Mode string `json:"mode"`
	// Synced or OutOfSync, as the Application's status.sync.status would say.
	SyncStatus string               `json:"syncStatus"`
	Resources  []ArgoCDResourceDiff `json:"resources"`
}

type ArgoCDResourceDiff struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Modified bool   `json:"modified"`
	// JSON pointers where the predicted live state differs from the live state.
	Differences []string `json:"differences"`
}

func argoCDLogger() logr.Logger {
	return textlogger.NewLogger(textlogger.NewConfig(textlogger.Output(os.Stderr)))
}

func argoCDKubectl() *kube.KubectlCmd {
	return &kube.KubectlCmd{Log: argoCDLogger(), Tracer: tracing.NopTracer{}}
}

// argoCDTargets parses the manifests and adds the tracking annotation Argo CD adds to every
// object it renders for an Application before it diffs or syncs it.
func argoCDTargets(manifests []byte, app string) ([]*unstructured.Unstructured, error) {
	targets, err := kube.SplitYAML(manifests)
	if err != nil {
		return nil, err
	}
	for _, target := range targets {
		gvk := target.GroupVersionKind()
		annotations := target.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[argoCDTrackingAnnotation] = fmt.Sprintf("%s:%s/%s:%s/%s",
			app, gvk.Group, gvk.Kind, target.GetNamespace(), target.GetName())
		target.SetAnnotations(annotations)
	}
	return targets, nil
}

// argoCDDesiredAndLive returns the targets rendered from the manifests and, at the same
// index, each one's live object (nil when absent) as the controller's cluster cache would
// hold it: the whole object, managedFields included.
func argoCDDesiredAndLive(ctx context.Context, on target, kubectl *kube.KubectlCmd, manifests []byte) (targets, lives []*unstructured.Unstructured, err error) {
	if targets, err = argoCDTargets(manifests, on.name); err != nil {
		return nil, nil, err
	}
	lives = make([]*unstructured.Unstructured, len(targets))
	for i, t := range targets {
		live, err := kubectl.GetResource(ctx, on.config, t.GroupVersionKind(), t.GetName(), t.GetNamespace())
		if err != nil && !isNotFound(err) {
			return nil, nil, fmt.Errorf("reading %s/%s: %w", t.GetKind(), t.GetName(), err)
		}
		if err == nil {
			lives[i] = live
		}
	}
	return targets, lives, nil
}

// namespacedByDiscovery answers gitops-engine's ResourceInfoProvider from the apiserver's discovery.
type namespacedByDiscovery struct{ mapper meta.RESTMapper }

func (d namespacedByDiscovery) IsNamespaced(gk schema.GroupKind) (bool, error) {
	mapping, err := d.mapper.RESTMapping(gk)
	if err != nil {
		return false, err
	}
	return mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

func destinationNamespace(targets []*unstructured.Unstructured) string {
	for _, t := range targets {
		if t.GetNamespace() != "" {
			return t.GetNamespace()
		}
	}
	return ""
}

// argoCDSync runs one sync operation with gitops-engine's sync engine, with the options
// argo-cd v3.6.1 controller/sync.go passes for an automated sync (prune on, no dry run, no
// replace, client-side apply migration on) and ServerSideApply=true when asked.
func argoCDSync(ctx context.Context, on target, manifests []byte, serverSideApply bool) (*ArgoCDSyncReport, error) {
	kubectl := argoCDKubectl()
	targets, lives, err := argoCDDesiredAndLive(ctx, on, kubectl, manifests)
	if err != nil {
		return nil, err
	}
	liveByKey := map[kube.ResourceKey]*unstructured.Unstructured{}
	for _, live := range lives {
		if live != nil {
			liveByKey[kube.GetResourceKey(live)] = live
		}
	}
	disco, err := discovery.NewDiscoveryClientForConfig(on.config)
	if err != nil {
		return nil, err
	}
	info := namespacedByDiscovery{restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))}
	namespace := destinationNamespace(targets)
	reconciliation := sync.Reconcile(targets, liveByKey, namespace, info)

	syncContext, cleanup, err := sync.NewSyncContext("git-head", reconciliation, on.config, on.config, kubectl, namespace,
		sync.WithLogr(argoCDLogger()),
		sync.WithOperationSettings(false, true, false, false),
		sync.WithManifestValidation(true),
		sync.WithPruneLast(false),
		sync.WithResourceModificationChecker(false, nil),
		sync.WithReplace(false),
		sync.WithServerSideApply(serverSideApply),
		sync.WithServerSideApplyManager(argoCDFieldManager),
		sync.WithClientSideApplyMigration(true, synccommon.DefaultClientSideApplyMigrationManager),
		sync.WithSkipDryRunOnMissingResource(false),
	)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	// The application controller calls Sync once per operation-processing pass until the
	// operation completes; a single wave without hooks completes on the first pass.
	for {
		syncContext.Sync(ctx)
		phase, message, results := syncContext.GetState()
		if phase.Completed() {
			report := &ArgoCDSyncReport{Phase: string(phase), Message: message}
			for _, result := range results {
				report.Resources = append(report.Resources, ArgoCDSyncResult{
					Kind: result.ResourceKey.Kind, Name: result.ResourceKey.Name,
					Status: string(result.Status), Message: result.Message,
				})
			}
			return report, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("sync still %s when time ran out: %s", phase, message)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// The three ways Argo CD compares an Application (argo-cd v3.6.1 controller/state.go):
// legacy is the default; ServerSideDiff=true (or the ServerSideApply=true sync option)
// selects server-side diff; IncludeMutationWebhook=true keeps the webhooks' part of the
// dry run's prediction instead of resetting fields argocd-controller does not own.
var argoCDDiffModes = []struct {
	name                   string
	serverSideDiff         bool
	includeMutationWebhook bool
}{
	{"legacy", false, false},
	{"server-side", true, false},
	{"server-side-include-mutation-webhook", true, true},
}

// argoCDDiff compares the manifests with the live objects in each mode, with gitops-engine's
// diff.DiffArray and the options argo-cd util/argo/diff StateDiffs passes. No
// ignoreDifferences or resource customizations are configured, so the normalizer is the
// no-op one Argo CD ends up with for an Ingress.
func argoCDDiff(ctx context.Context, on target, manifests []byte) (*ArgoCDDiffReport, error) {
	kubectl := argoCDKubectl()
	targets, lives, err := argoCDDesiredAndLive(ctx, on, kubectl, manifests)
	if err != nil {
		return nil, err
	}
	_, gvkParser, err := kubectl.LoadOpenAPISchema(on.config)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI schema: %w", err)
	}
	applier, cleanup, err := kubectl.ManageServerSideDiffDryRuns(on.config)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	dryRunner := diff.NewK8sServerSideDryRunner(applier)

	report := &ArgoCDDiffReport{}
	for _, mode := range argoCDDiffModes {
		options := []diff.Option{
			diff.WithNormalizer(diff.GetNoopNormalizer()),
			diff.IgnoreAggregatedRoles(false),
			diff.WithGVKParser(gvkParser),
			diff.WithManager(argoCDFieldManager),
			diff.WithServerSideDiff(mode.serverSideDiff),
			diff.WithIgnoreMutationWebhook(!mode.includeMutationWebhook),
			diff.WithLogr(argoCDLogger()),
		}
		if mode.serverSideDiff {
			options = append(options, diff.WithServerSideDryRunner(dryRunner))
		}
		results, err := diff.DiffArray(ctx, deepCopies(targets), deepCopies(lives), options...)
		if err != nil {
			return nil, fmt.Errorf("%s diff: %w", mode.name, err)
		}
		outcome := ArgoCDDiffMode{Mode: mode.name, SyncStatus: "Synced"}
		for i, result := range results.Diffs {
			differences, err := differingPaths(result.NormalizedLive, result.PredictedLive)
			if err != nil {
				return nil, err
			}
			outcome.Resources = append(outcome.Resources, ArgoCDResourceDiff{
				Kind: targets[i].GetKind(), Name: targets[i].GetName(),
				Modified: result.Modified, Differences: differences,
			})
			if result.Modified || lives[i] == nil {
				outcome.SyncStatus = "OutOfSync"
			}
		}
		report.Modes = append(report.Modes, outcome)
	}
	return report, nil
}

func deepCopies(objects []*unstructured.Unstructured) []*unstructured.Unstructured {
	copies := make([]*unstructured.Unstructured, len(objects))
	for i, object := range objects {
		if object != nil {
			copies[i] = object.DeepCopy()
		}
	}
	return copies
}
