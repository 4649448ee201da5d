// Command gitops-harness applies and diffs manifests against a cluster with the GitOps
// tools' own Go code, so the e2e suite can show what Argo CD and Flux really do with an
// Ingress the webhook guards:
//
//   - Argo CD: the sync engine (gitops-engine pkg/sync) with client-side or server-side
//     apply, and the diff engine (gitops-engine pkg/diff): legacy three-way diff and
//     server-side diff with and without IncludeMutationWebhook, wired with the options
//     Argo CD's application controller passes.
//   - Flux: kustomize-controller's server-side-apply manager (fluxcd/pkg/ssa) with the
//     apply options, field manager and cleanup rules kustomize-controller uses, and the
//     same manager's dry-run diff.
//
// It is test tooling, not part of the product. Manifests come on stdin (multi-document
// YAML, namespaces already set); the result is one JSON document on stdout. Every
// subcommand exits non-zero with the error on stderr when the tool itself fails.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const usage = `usage: gitops-harness <command> [flags] < manifests.yaml

commands:
  versions      the module versions linked into this binary (JSON)
  argocd-sync   sync like Argo CD (--server-side-apply for ServerSideApply=true)
  argocd-diff   Argo CD's diff in every mode: legacy, server-side, server-side with the mutation webhook
  flux-apply    one kustomize-controller reconcile: staged server-side apply with drift detection
  flux-diff     the same manager's dry-run diff (what flux diff kustomization reports)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "gitops-harness %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

// target is what every cluster command needs: who talks to which apiserver, as which tool instance.
type target struct {
	config *rest.Config
	name   string
}

func run(command string, args []string, stdin io.Reader, stdout io.Writer) error {
	if command == "versions" {
		return writeJSON(stdout, linkedVersions())
	}
	flags := flag.NewFlagSet(command, flag.ContinueOnError)
	kubeconfig := flags.String("kubeconfig", "", "kubeconfig of the apiserver (required)")
	impersonate := flags.String("as", "", "user to impersonate, as the tool's ServiceAccount")
	name := flags.String("name", "", "the Argo CD Application or Flux Kustomization the objects belong to (required)")
	serverSideApply := flags.Bool("server-side-apply", false, "argocd-sync: the ServerSideApply=true sync option")
	timeout := flags.Duration("timeout", 60*time.Second, "give up after this long")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *kubeconfig == "" || *name == "" {
		return fmt.Errorf("--kubeconfig and --name are required")
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("loading %s: %w", *kubeconfig, err)
	}
	config.Impersonate.UserName = *impersonate
	// Both tools' controllers run their clients at 50 requests/s, not client-go's default 5;
	// discovery alone would otherwise be throttled.
	config.QPS, config.Burst = 50, 100
	manifests, err := io.ReadAll(stdin)
	if err != nil {
		return fmt.Errorf("reading manifests: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	on := target{config: config, name: *name}

	var result any
	switch command {
	case "argocd-sync":
		result, err = argoCDSync(ctx, on, manifests, *serverSideApply)
	case "argocd-diff":
		result, err = argoCDDiff(ctx, on, manifests)
	case "flux-apply":
		result, err = fluxApply(ctx, on, manifests)
	case "flux-diff":
		result, err = fluxDiff(ctx, on, manifests)
	default:
		return fmt.Errorf("unknown command %q\n%s", command, usage)
	}
	if err != nil {
		return err
	}
	return writeJSON(stdout, result)
}

func writeJSON(out io.Writer, value any) error {
	encoder := json.NewEncoder(out)
	encoder.SetIndent("", "  ")
	return encoder.Encode(value)
}
