// Command peer-go is the benchmark's peer: the ALB traffic mutation of rollouts-traffic-webhook
// written as most teams would, on controller-runtime's webhook server and admission package.
// Usage: peer-go -state DIR -cert-dir DIR -host 127.0.0.1 -port 9443
package main

import (
	"crypto/tls"
	"flag"
	"log"
	"net/http"

	"github.com/go-logr/logr"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

func main() {
	state := flag.String("state", "", "folder of manifests holding the Rollouts")
	certDir := flag.String("cert-dir", "certs", "folder with tls.crt and tls.key")
	host := flag.String("host", "127.0.0.1", "listen address")
	port := flag.Int("port", 9443, "HTTPS port")
	controller := flag.String("controller-identity", "system:serviceaccount:argo-rollouts:argo-rollouts", "the Rollouts controller's username")
	flag.Parse()
	// Request logging off, as the TypeScript webhook runs at --log-level warn.
	ctrl.SetLogger(logr.Discard())

	index, count, err := loadRollouts(*state)
	if err != nil {
		log.Fatalf("loading Rollouts: %v", err)
	}
	log.Printf("indexed %d Rollouts over %d Ingresses", count, len(index))

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		log.Fatal(err)
	}
	server := webhook.NewServer(webhook.Options{
		Host:    *host,
		Port:    *port,
		CertDir: *certDir,
		// HTTP/1.1 only, as kubebuilder's scaffold does since CVE-2023-44487 (and as our server).
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	})
	server.Register("/mutate", &webhook.Admission{Handler: &ingressMutator{
		decoder:     admission.NewDecoder(scheme),
		rollouts:    index,
		controllers: map[string]bool{*controller: true},
	}})
	// The benchmark waits for this before it sends load (the index is built by then).
	server.Register("/readyz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	if err := server.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Fatal(err)
	}
}
