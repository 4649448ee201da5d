{{/* Pieces shared by every webhook entry of both configurations. */}}

{{/*
Namespaces the apiserver never sends: the release namespace (so the webhook cannot block its own
pods, Secrets or recovery) and kube-system, plus webhooks.excludeNamespaces.
*/}}
{{- define "rtw.excludedNamespaces" -}}
{{- concat (list .Release.Namespace "kube-system") .Values.webhooks.excludeNamespaces | uniq | toJson -}}
{{- end -}}

{{- define "rtw.namespaceSelector" -}}
{{- $excluded := include "rtw.excludedNamespaces" . | fromJsonArray -}}
{{- $watched := .Values.server.watchNamespaces -}}
{{- range $watched -}}
{{- if has . $excluded -}}
{{- fail (printf "server.watchNamespaces contains %q, which the webhooks always exclude (release namespace, kube-system, webhooks.excludeNamespaces)" .) -}}
{{- end -}}
{{- end -}}
{{- $expressions := list (dict "key" "kubernetes.io/metadata.name" "operator" "NotIn" "values" $excluded) -}}
{{- if $watched -}}
{{- $expressions = append $expressions (dict "key" "kubernetes.io/metadata.name" "operator" "In" "values" $watched) -}}
{{- end -}}
{{- $expressions = concat $expressions .Values.webhooks.namespaceSelector.matchExpressions -}}
{{- $selector := dict "matchExpressions" $expressions -}}
{{- with .Values.webhooks.namespaceSelector.matchLabels -}}
{{- $_ := set $selector "matchLabels" . -}}
{{- end -}}
{{- toYaml $selector -}}
{{- end -}}

{{/*
CEL conditions evaluated by the apiserver before it calls the webhook. A request that fails any
of them is admitted without a call, so these also hold while no replica is serving.
*/}}
{{- define "rtw.matchConditions" -}}
{{- $conditions := list -}}
{{- $users := .Values.server.controllerIdentities -}}
{{- if and .Values.webhooks.skipControllerRequests $users -}}
{{- $conditions = append $conditions (dict
      "name" "skip-rollouts-controller"
      "expression" (printf "!(request.userInfo.username in %s)" (toJson $users))) -}}
{{- end -}}
{{- if .Values.webhooks.skipMetadataOnlyUpdates -}}
{{- /* spec and annotations are optional in both kinds; has() keeps a missing one from being an evaluation error (which failurePolicy would turn into a rejection). The annotations come before the spec: a GitOps re-apply usually differs there (the controller's keys are not in git), so the apiserver stops before comparing the much larger spec. */ -}}
{{- $changed := list
      "request.operation != 'UPDATE'"
      "(has(object.metadata.annotations) ? object.metadata.annotations : {}) != (has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {})"
      "(has(object.spec) ? object.spec : {}) != (has(oldObject.spec) ? oldObject.spec : {})" -}}
{{- $conditions = append $conditions (dict "name" "skip-metadata-only-updates" "expression" (join " || " $changed)) -}}
{{- end -}}
{{- $conditions = concat $conditions .Values.webhooks.matchConditions -}}
{{- $names := list -}}
{{- range $conditions -}}
{{- if has .name $names -}}
{{- fail (printf "webhooks.matchConditions: the name %q is used twice (skip-rollouts-controller and skip-metadata-only-updates are taken by the chart)" .name) -}}
{{- end -}}
{{- $names = append $names .name -}}
{{- end -}}
{{- toYaml $conditions -}}
{{- end -}}

{{/*
The fields every entry shares. Arguments: root (the chart context), path (/mutate or /validate),
hook (webhooks.mutating or webhooks.validating values).
*/}}
{{- define "rtw.webhookCommon" -}}
{{- $root := .root -}}
clientConfig:
  {{- with $root.Values.webhooks.url }}
  url: {{ printf "%s%s" (trimSuffix "/" .) $.path }}
  {{- else }}
  service:
    name: {{ include "rtw.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    path: {{ .path }}
    port: {{ $root.Values.service.port }}
  {{- end }}
  {{- with include "rtw.caBundle" $root }}
  caBundle: {{ . }}
  {{- end }}
admissionReviewVersions: ["v1"]
# Events and policy reports are written, never for dry runs (Argo CD's server-side diff,
# Flux's drift check), so dry runs stay allowed.
sideEffects: NoneOnDryRun
matchPolicy: Equivalent
failurePolicy: {{ .hook.failurePolicy }}
timeoutSeconds: {{ .hook.timeoutSeconds }}
namespaceSelector:
  {{- include "rtw.namespaceSelector" $root | nindent 2 }}
objectSelector:
  {{- toYaml $root.Values.webhooks.objectSelector | nindent 2 }}
{{- with include "rtw.matchConditions" $root | fromYamlArray }}
matchConditions:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "rtw.webhookName" -}}
{{- printf "%s.%s.%s.svc" .name (include "rtw.fullname" .root) .root.Release.Namespace -}}
{{- end -}}
