package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/fluxcd/pkg/ssa"
	"github.com/fluxcd/pkg/ssa/normalize"
	ssautil "github.com/fluxcd/pkg/ssa/utils"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The kustomize-controller release whose apply options are reproduced here (v1.10.1
// requires fluxcd/pkg/ssa v0.83.0, the version go.mod pins).
const kustomizeControllerRelease = "v1.10.1"

const (
	// kustomize-controller's field manager (main.go, controllerName) and owner-label group.
	fluxFieldManager = "kustomize-controller"
	fluxGroup        = "kustomize.toolkit.fluxcd.io"
	// The Kustomizations in examples/flux live in flux-system.
	fluxKustomizationNamespace = "flux-system"
)

// FluxReport lists the change-set entries of one reconcile or diff: per object, whether it
// was (or would be) created, configured (drift) or left unchanged.
type FluxReport struct {
	Entries []FluxEntry `json:"entries"`
}

type FluxEntry struct {
	Subject string `json:"subject"`
	Action  string `json:"action"`
	// flux-diff only: JSON pointers where the dry-run result differs from the live object.
	Differences []string `json:"differences,omitempty"`
}

// fluxManagerAndObjects returns kustomize-controller's server-side-apply manager and the
// manifests prepared the way the controller prepares its build output: owner labels of the
// Kustomization, then its normalization.
func fluxManagerAndObjects(on target, manifests []byte) (*ssa.ResourceManager, []*unstructured.Unstructured, error) {
	kubeClient, err := client.New(on.config, client.Options{})
	if err != nil {
		return nil, nil, err
	}
	manager := ssa.NewResourceManager(kubeClient, nil, ssa.Owner{Field: fluxFieldManager, Group: fluxGroup})
	// kustomize-controller's --concurrent-ssa default (main.go).
	manager.SetConcurrency(4)
	objects, err := ssautil.ReadObjects(bytes.NewReader(manifests))
	if err != nil {
		return nil, nil, err
	}
	manager.SetOwnerLabels(objects, on.name, fluxKustomizationNamespace)
	if err := normalize.UnstructuredList(objects); err != nil {
		return nil, nil, err
	}
	return manager, objects, nil
}

// fluxApplyOptions are the apply options of kustomize-controller v1.10.1
// internal/controller/kustomization_controller.go apply(), for a Kustomization with the
// defaults (force false, no drift-ignore rules, no custom stages) and the controller's
// default flags (no disallowed or before-dry-run field managers, no API version migration).
func fluxApplyOptions() ssa.ApplyOptions {
	options := ssa.DefaultApplyOptions()
	options.Force = false
	options.ExclusionSelector = map[string]string{fluxGroup + "/reconcile": "disabled", fluxGroup + "/ssa": "Ignore"}
	options.IfNotPresentSelector = map[string]string{fluxGroup + "/ssa": "IfNotPresent"}
	options.ForceSelector = map[string]string{fluxGroup + "/force": "enabled"}
	options.Cleanup = ssa.ApplyCleanupOptions{
		Annotations: []string{corev1.LastAppliedConfigAnnotation, fluxGroup + "/checksum", "fluxcd.io/sync-checksum"},
		Labels:      []string{"fluxcd.io/sync-gc-mark"},
		FieldManagers: []ssa.FieldManager{
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationApply},
			{Name: "kubectl", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: "before-first-apply", OperationType: metav1.ManagedFieldsOperationUpdate},
			{Name: fluxFieldManager, OperationType: metav1.ManagedFieldsOperationUpdate},
		},
		Exclusions: map[string]string{fluxGroup + "/ssa": "Merge"},
	}
	return options
}

// fluxApply is one reconcile's apply: ApplyAllStaged dry-runs every object with force
// ownership, compares the result with the live object and applies only what drifted.
func fluxApply(ctx context.Context, on target, manifests []byte) (*FluxReport, error) {
	manager, objects, err := fluxManagerAndObjects(on, manifests)
	if err != nil {
		return nil, err
	}
	changeSet, err := manager.ApplyAllStaged(ctx, objects, fluxApplyOptions())
	if err != nil {
		return nil, err
	}
	report := &FluxReport{}
	for _, entry := range changeSet.Entries {
		report.Entries = append(report.Entries, FluxEntry{Subject: entry.Subject, Action: string(entry.Action)})
	}
	return report, nil
}

// fluxDiff is the same manager's Diff per object, as `flux diff kustomization` runs it:
// a server-side dry-run apply compared with the live object.
func fluxDiff(ctx context.Context, on target, manifests []byte) (*FluxReport, error) {
	manager, objects, err := fluxManagerAndObjects(on, manifests)
	if err != nil {
		return nil, err
	}
	applyOptions := fluxApplyOptions()
	diffOptions := ssa.DefaultDiffOptions()
	diffOptions.Exclusions = applyOptions.ExclusionSelector
	diffOptions.IfNotPresentSelector = applyOptions.IfNotPresentSelector
	diffOptions.ForceSelector = applyOptions.ForceSelector
	report := &FluxReport{}
	for _, object := range objects {
		entry, live, merged, err := manager.Diff(ctx, object, diffOptions)
		if err != nil {
			return nil, err
		}
		reported := FluxEntry{Subject: entry.Subject, Action: string(entry.Action)}
		if live != nil && merged != nil {
			liveJSON, err := json.Marshal(live.Object)
			if err != nil {
				return nil, err
			}
			mergedJSON, err := json.Marshal(merged.Object)
			if err != nil {
				return nil, err
			}
			if reported.Differences, err = differingPaths(liveJSON, mergedJSON); err != nil {
				return nil, fmt.Errorf("%s: %w", entry.Subject, err)
			}
		}
		report.Entries = append(report.Entries, reported)
	}
	return report, nil
}
