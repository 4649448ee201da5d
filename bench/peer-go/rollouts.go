package main

// The in-memory index of Rollouts the peer answers from: the same manifests the TypeScript
// webhook loads with --state, read once at start-up (as an informer cache would hold them).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// rollout holds only the fields the ALB mutation needs, the way a team would model it
// without importing the Argo Rollouts module.
type rollout struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Strategy struct {
			Canary *canaryStrategy `json:"canary"`
		} `json:"strategy"`
	} `json:"spec"`
	Status struct {
		CurrentStepIndex *int32 `json:"currentStepIndex"`
		Canary           struct {
			Weights *struct {
				Canary weightDestination `json:"canary"`
				Stable weightDestination `json:"stable"`
			} `json:"weights"`
		} `json:"canary"`
	} `json:"status"`
}

type weightDestination struct {
	ServiceName string `json:"serviceName"`
	Weight      int32  `json:"weight"`
}

type canaryStrategy struct {
	StableService  string `json:"stableService"`
	CanaryService  string `json:"canaryService"`
	TrafficRouting struct {
		ManagedRoutes []struct {
			Name string `json:"name"`
		} `json:"managedRoutes"`
		ALB *struct {
			Ingress     string   `json:"ingress"`
			Ingresses   []string `json:"ingresses"`
			RootService string   `json:"rootService"`
			ServicePort int32    `json:"servicePort"`
		} `json:"alb"`
	} `json:"trafficRouting"`
	Steps []struct {
		SetWeight      *int32 `json:"setWeight"`
		SetHeaderRoute *struct {
			Name  string `json:"name"`
			Match []struct {
				HeaderName  string `json:"headerName"`
				HeaderValue struct {
					Exact string `json:"exact"`
				} `json:"headerValue"`
			} `json:"match"`
		} `json:"setHeaderRoute"`
	} `json:"steps"`
}

// rolloutIndex maps "namespace/ingress" to the Rollouts that route through that ALB Ingress.
type rolloutIndex map[string][]*rollout

func loadRollouts(dir string) (rolloutIndex, int, error) {
	index := rolloutIndex{}
	count := 0
	err := filepath.WalkDir(dir, func(path string, entry os.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		documents, err := readDocuments(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, doc := range documents {
			r := &rollout{}
			if err := yaml.Unmarshal(doc, r); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if r.Kind != "Rollout" || r.Spec.Strategy.Canary == nil || r.Spec.Strategy.Canary.TrafficRouting.ALB == nil {
				continue
			}
			alb := r.Spec.Strategy.Canary.TrafficRouting.ALB
			names := alb.Ingresses
			if alb.Ingress != "" {
				names = append([]string{alb.Ingress}, names...)
			}
			for _, name := range names {
				key := r.Metadata.Namespace + "/" + name
				index[key] = append(index[key], r)
			}
			count++
		}
		return nil
	})
	return index, count, err
}

// readDocuments splits a manifest file into objects: YAML documents, or a JSON object that
// may be a `kind: List`.
func readDocuments(path string) ([][]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	switch filepath.Ext(path) {
	case ".yaml", ".yml":
		return bytes.Split(data, []byte("\n---\n")), nil
	case ".json":
		var list struct {
			Kind  string            `json:"kind"`
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, err
		}
		if !strings.HasSuffix(list.Kind, "List") {
			return [][]byte{data}, nil
		}
		documents := make([][]byte, len(list.Items))
		for i, item := range list.Items {
			documents[i] = item
		}
		return documents, nil
	}
	return nil, nil
}
