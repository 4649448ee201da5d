{{/* Names and labels. */}}

{{- define "rtw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped name; also the Service name the serving certificate is issued for. */}}
{{- define "rtw.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "rtw.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of cluster-scoped objects (webhook configurations, ClusterRoles, ClusterRoleBinding) and of
RoleBindings in watched namespaces: <fullname>.<release namespace>. Neither part can hold a dot
(the fullname is also the Service's name, a DNS label, and so is a namespace's), so the pair maps
to the name one-to-one: two releases, even of the same name in two namespaces, never share one.
*/}}
{{- define "rtw.clusterScopedName" -}}
{{- printf "%s.%s" (include "rtw.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/*
Selector of the webhook's pods: the Deployment's selector (immutable, so never changed), the
Service's, the PDB's and the NetworkPolicy's. No other pod may carry both labels.
*/}}
{{- define "rtw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rtw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of the webhook's objects. */}}
{{- define "rtw.labels" -}}
{{- include "rtw.labelsAround" (dict "root" . "selectorLabels" (include "rtw.selectorLabels" .)) -}}
{{- end -}}

{{/* The standard labels around one component's selector labels. Arguments: root, selectorLabels. */}}
{{- define "rtw.labelsAround" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ .selectorLabels }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: rollouts-traffic-webhook
{{- end -}}

{{/*
"true" when the background audit runs in a Deployment of its own, <fullname>-audit: it is on
(server.auditIntervalSeconds > 0) and audit.separate.
*/}}
{{- define "rtw.auditSeparate" -}}
{{- if and .Values.audit.separate (gt (int .Values.server.auditIntervalSeconds) 0) }}true{{ end -}}
{{- end -}}

{{/* Name of the audit's Deployment and metrics Service; a DNS label like the full name. */}}
{{- define "rtw.audit.fullname" -}}
{{- printf "%s-audit" (include "rtw.fullname" . | trunc 57 | trimSuffix "-") -}}
{{- end -}}

{{/*
Name of the audit's ClusterRoles, ClusterRoleBinding and RoleBindings in watched namespaces:
<audit fullname>.<release namespace>. Dot-free parts as in rtw.clusterScopedName, so releases in two
namespaces never share one; only a release in the same namespace whose full name is this audit's
could, and its Deployment and Service would already collide with the audit's.
*/}}
{{- define "rtw.audit.clusterScopedName" -}}
{{- printf "%s.%s" (include "rtw.audit.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/*
The audit's app.kubernetes.io/name. It differs from the webhook's (truncated to keep the suffix),
so no webhook selector (Deployment, Service, PDB, NetworkPolicy, topology spread) matches its pods.
*/}}
{{- define "rtw.audit.name" -}}
{{- printf "%s-audit" (include "rtw.name" . | trunc 57 | trimSuffix "-") -}}
{{- end -}}

{{/* Selector of the audit's pods. */}}
{{- define "rtw.audit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rtw.audit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: audit
{{- end -}}

{{/* Labels of the audit's objects. */}}
{{- define "rtw.audit.labels" -}}
{{- include "rtw.labelsAround" (dict "root" . "selectorLabels" (include "rtw.audit.selectorLabels" .)) -}}
{{- end -}}

{{/* The webhook's ServiceAccount (and the audit's when they share one). */}}
{{- define "rtw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rtw.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The ServiceAccount of the audit's own Deployment: audit.serviceAccountName, else the webhook's
name + "-audit" when the chart creates them, else (existing ServiceAccounts) the webhook's.
*/}}
{{- define "rtw.audit.serviceAccountName" -}}
{{- if .Values.audit.serviceAccountName -}}
{{- .Values.audit.serviceAccountName -}}
{{- else if .Values.serviceAccount.create -}}
{{- printf "%s-audit" (include "rtw.serviceAccountName" .) -}}
{{- else -}}
{{- include "rtw.serviceAccountName" . -}}
{{- end -}}
{{- end -}}

{{/*
"true" when the audit runs in a Deployment of its own on a ServiceAccount other than the
webhook's: RBAC is then split (Events for the webhook's, policy reports for the audit's), and the
chart creates that ServiceAccount when serviceAccount.create.
*/}}
{{- define "rtw.audit.ownServiceAccount" -}}
{{- if and (include "rtw.auditSeparate" .) (ne (include "rtw.audit.serviceAccountName" .) (include "rtw.serviceAccountName" .)) }}true{{ end -}}
{{- end -}}

{{/* The chart's default repository: a placeholder that no registry serves. */}}
{{- define "rtw.placeholderRepository" -}}rollouts-traffic-webhook{{- end -}}

{{- define "rtw.image" -}}
{{- if and (eq .Values.image.repository (include "rtw.placeholderRepository" .)) (not .Values.image.allowLocalImage) -}}
{{- fail (printf "image.repository is still the placeholder %q, which no registry serves: build the image from the repository's Dockerfile, push it, and set image.repository to where you pushed it (docs/install.md). For a local build loaded onto every node, set image.allowLocalImage=true." .Values.image.repository) -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The DNS name the apiserver dials; every certificate mode must cover it. */}}
{{- define "rtw.serviceDNSNames" -}}
{{- $svc := include "rtw.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson -}}
{{- end -}}

{{/* Secret mounted by the pods: tls.crt, tls.key and (except maybe in secret mode) ca.crt. */}}
{{- define "rtw.tlsSecretName" -}}
{{- if eq .Values.certificates.mode "secret" -}}
{{- required "certificates.secret.name is required when certificates.mode is secret" .Values.certificates.secret.name -}}
{{- else -}}
{{- printf "%s-tls" (include "rtw.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
NODE_OPTIONS heap size: a share of a memory limit written as <n>Mi or <n>Gi. Other spellings
(bytes, M, G) leave it unset rather than guess. Arguments: root, resources (the pod's).
*/}}
{{- define "rtw.maxOldSpaceMiB" -}}
{{- $limit := "" -}}
{{- with .resources.limits }}{{ with .memory }}{{ $limit = toString . }}{{ end }}{{ end -}}
{{- $pct := int .root.Values.server.heapPercentOfMemoryLimit -}}
{{- if and $limit (gt $pct 0) -}}
{{- if regexMatch "^[0-9]+Mi$" $limit -}}
{{- div (mul (trimSuffix "Mi" $limit | int) $pct) 100 -}}
{{- else if regexMatch "^[0-9]+Gi$" $limit -}}
{{- div (mul (trimSuffix "Gi" $limit | int) 1024 $pct) 100 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
"true" when a Prometheus Operator object is to be rendered. Arguments: root, enabled (true, false
or "auto"), kind. auto asks .Capabilities.APIVersions, which holds the cluster's APIs on install,
upgrade and in Argo CD, and only built-in ones for a bare `helm template`.
*/}}
{{- define "rtw.monitoringObjectEnabled" -}}
{{- if eq (toString .enabled) "auto" -}}
{{- if .root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" .kind) }}true{{ end -}}
{{- else if .enabled -}}
true
{{- end -}}
{{- end -}}
