package main

import (
	"runtime/debug"
	"strings"
)

// The modules whose code decides what the tests observe. Their versions are read from the
// binary's own build information, so what is printed is what was linked.
var reportedModules = []string{
	"github.com/argoproj/argo-cd/gitops-engine/v3",
	"github.com/fluxcd/pkg/ssa",
	"github.com/fluxcd/cli-utils",
	"sigs.k8s.io/controller-runtime",
	"sigs.k8s.io/structured-merge-diff/v6",
	"k8s.io/client-go",
	"k8s.io/kubectl",
	"k8s.io/kubernetes",
}

// Versions is what `gitops-harness versions` prints.
type Versions struct {
	Go      string            `json:"go"`
	Modules map[string]string `json:"modules"`
	// MirroredReleases names the releases whose option wiring the harness reproduces
	// (Argo CD's application controller, Flux's kustomize-controller). Their own modules are
	// not linked (they would pull in each tool's whole server); the engines above are.
	MirroredReleases map[string]string `json:"mirroredReleases"`
}

func linkedVersions() Versions {
	versions := Versions{
		Modules: map[string]string{},
		MirroredReleases: map[string]string{
			"argo-cd":              argoCDRelease,
			"kustomize-controller": kustomizeControllerRelease,
		},
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return versions
	}
	versions.Go = info.GoVersion
	for _, dep := range info.Deps {
		for _, wanted := range reportedModules {
			if dep.Path != wanted {
				continue
			}
			version := dep.Version
			// The staging modules are replaced by the same path at a published tag: print the
			// tag alone then, and the replacement's path only when it differs.
			if dep.Replace != nil && dep.Replace.Path == dep.Path {
				version = dep.Replace.Version
			} else if dep.Replace != nil {
				version = strings.TrimSpace(dep.Replace.Path + " " + dep.Replace.Version)
			}
			versions.Modules[dep.Path] = version
		}
	}
	return versions
}
