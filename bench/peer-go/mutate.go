package main

// The ALB mutation the usual way: decode the Ingress into the typed struct, set the
// annotations and paths the Rollout owns, marshal it again and let controller-runtime
// diff the two JSON documents into a patch.

import (
	"context"
	"encoding/json"
	"net/http"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

const (
	annotationPrefix  = "alb.ingress.kubernetes.io/"
	managedAnnotation = "rollouts.argoproj.io/managed-alb-annotations"
	useAnnotation     = "use-annotation"
)

type targetGroup struct {
	ServiceName string `json:"ServiceName"`
	ServicePort string `json:"ServicePort"`
	Weight      *int64 `json:"Weight,omitempty"`
}

type action struct {
	Type          string `json:"Type"`
	ForwardConfig struct {
		TargetGroups []targetGroup `json:"TargetGroups"`
	} `json:"ForwardConfig"`
}

type condition struct {
	Field            string `json:"field"`
	HTTPHeaderConfig struct {
		HTTPHeaderName string   `json:"httpHeaderName"`
		Values         []string `json:"values"`
	} `json:"httpHeaderConfig"`
}

type ingressMutator struct {
	decoder     admission.Decoder
	rollouts    rolloutIndex
	controllers map[string]bool
}

func (m *ingressMutator) Handle(_ context.Context, req admission.Request) admission.Response {
	if m.controllers[req.UserInfo.Username] {
		return admission.Allowed("the Rollouts controller's own write")
	}
	ingress := &networkingv1.Ingress{}
	if err := m.decoder.Decode(req, ingress); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	owners := m.rollouts[ingress.Namespace+"/"+ingress.Name]
	if len(owners) == 0 {
		return admission.Allowed("no Rollout routes through this Ingress")
	}
	if ingress.Annotations == nil {
		ingress.Annotations = map[string]string{}
	}
	managed := map[string][]string{}
	if current, ok := ingress.Annotations[managedAnnotation]; ok {
		_ = json.Unmarshal([]byte(current), &managed)
	}
	for _, r := range owners {
		keys, err := applyRollout(ingress, r)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		managed[r.Metadata.Name] = keys
	}
	encoded, err := json.Marshal(managed)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	ingress.Annotations[managedAnnotation] = string(encoded)
	mutated, err := json.Marshal(ingress)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	return admission.PatchResponseFromRaw(req.Object.Raw, mutated)
}

// applyRollout writes the weight action and the active header routes of one Rollout and
// returns the annotation keys it owns.
func applyRollout(ingress *networkingv1.Ingress, r *rollout) ([]string, error) {
	canary := r.Spec.Strategy.Canary
	alb := canary.TrafficRouting.ALB
	port := itoa(int64(alb.ServicePort))
	rootService := alb.RootService
	if rootService == "" {
		rootService = canary.StableService
	}
	canaryWeight, stableWeight := int64(0), int64(100)
	if w := r.Status.Canary.Weights; w != nil {
		canaryWeight, stableWeight = int64(w.Canary.Weight), int64(w.Stable.Weight)
	}
	weighted := action{Type: "forward"}
	weighted.ForwardConfig.TargetGroups = []targetGroup{
		{ServiceName: canary.CanaryService, ServicePort: port, Weight: &canaryWeight},
		{ServiceName: canary.StableService, ServicePort: port, Weight: &stableWeight},
	}
	weightKey := annotationPrefix + "actions." + rootService
	if err := setJSON(ingress.Annotations, weightKey, weighted); err != nil {
		return nil, err
	}
	keys := []string{weightKey}
	for _, route := range activeHeaderRoutes(r) {
		full := int64(100)
		forward := action{Type: "forward"}
		forward.ForwardConfig.TargetGroups = []targetGroup{{ServiceName: canary.CanaryService, ServicePort: port, Weight: &full}}
		actionKey := annotationPrefix + "actions." + route.name
		conditionKey := annotationPrefix + "conditions." + route.name
		if err := setJSON(ingress.Annotations, actionKey, forward); err != nil {
			return nil, err
		}
		if err := setJSON(ingress.Annotations, conditionKey, route.conditions); err != nil {
			return nil, err
		}
		keys = append(keys, actionKey, conditionKey)
		addUseAnnotationPath(ingress, route.name)
	}
	return keys, nil
}

type headerRoute struct {
	name       string
	conditions []condition
}

// activeHeaderRoutes replays the steps before the current one: the last setHeaderRoute of a
// name wins, and one without matches removes the route.
func activeHeaderRoutes(r *rollout) []headerRoute {
	canary := r.Spec.Strategy.Canary
	current := int32(len(canary.Steps))
	if r.Status.CurrentStepIndex != nil {
		current = *r.Status.CurrentStepIndex
	}
	routes := map[string][]condition{}
	for i, step := range canary.Steps {
		if int32(i) >= current || step.SetHeaderRoute == nil {
			continue
		}
		var conditions []condition
		for _, match := range step.SetHeaderRoute.Match {
			c := condition{Field: "http-header"}
			c.HTTPHeaderConfig.HTTPHeaderName = match.HeaderName
			c.HTTPHeaderConfig.Values = []string{match.HeaderValue.Exact}
			conditions = append(conditions, c)
		}
		routes[step.SetHeaderRoute.Name] = conditions
	}
	var active []headerRoute
	for _, managed := range canary.TrafficRouting.ManagedRoutes {
		if conditions := routes[managed.Name]; len(conditions) > 0 {
			active = append(active, headerRoute{name: managed.Name, conditions: conditions})
		}
	}
	return active
}

func addUseAnnotationPath(ingress *networkingv1.Ingress, service string) {
	pathType := networkingv1.PathTypeImplementationSpecific
	for i := range ingress.Spec.Rules {
		http := ingress.Spec.Rules[i].HTTP
		if http == nil {
			continue
		}
		present := false
		for _, p := range http.Paths {
			if p.Backend.Service != nil && p.Backend.Service.Name == service {
				present = true
			}
		}
		if present {
			continue
		}
		path := networkingv1.HTTPIngressPath{
			Path:     "/*",
			PathType: &pathType,
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
				Name: service,
				Port: networkingv1.ServiceBackendPort{Name: useAnnotation},
			}},
		}
		http.Paths = append([]networkingv1.HTTPIngressPath{path}, http.Paths...)
	}
}

func setJSON(annotations map[string]string, key string, value any) error {
	encoded, err := json.Marshal(value)
	if err != nil {
		return err
	}
	annotations[key] = string(encoded)
	return nil
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
