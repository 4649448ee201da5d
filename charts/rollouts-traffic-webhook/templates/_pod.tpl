{{/*
The pod template of a Deployment that runs `serve`. Arguments: root (the chart's context) and
operation, what `serve --operation` is given: "webhook" (admission only), "audit" (the background
audit only, in its own Deployment) or "" (no flag: both, as before audit.separate).
*/}}
{{- define "rtw.podTemplate" -}}
{{- $root := .root }}
{{- $operation := .operation }}
{{- $audit := eq $operation "audit" }}
{{- with $root }}
{{- $resources := ternary .Values.audit.resources .Values.resources $audit }}
{{- $certDir := "/etc/rollouts-traffic-webhook/tls" }}
{{- $clientCADir := "/etc/rollouts-traffic-webhook/client-ca" -}}
metadata:
  labels:
    {{- if $audit }}
    {{- include "rtw.audit.selectorLabels" . | nindent 4 }}
    {{- else }}
    {{- include "rtw.selectorLabels" . | nindent 4 }}
    app.kubernetes.io/component: webhook
    {{- end }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- /* No checksum of the certificate here: the server reloads rotated files in place.
       The policy file is read at start, so a change to it rolls the pods. */}}
  {{- $annotations := .Values.podAnnotations | default dict }}
  {{- if .Values.server.policy }}
  {{- $annotations = merge (dict "checksum/policy" (toYaml .Values.server.policy | sha256sum)) $annotations }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ include (ternary "rtw.audit.serviceAccountName" "rtw.serviceAccountName" $audit) . }}
  # The server reads Rollouts, Ingresses, Services and IngressClasses through the API.
  automountServiceAccountToken: true
  enableServiceLinks: false
  {{- with ternary .Values.audit.priorityClassName .Values.priorityClassName $audit }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- /* The audit's pod is called by no one outside the cluster network: the control plane never
       calls it, Prometheus and the kubelet reach it as any pod. */}}
  {{- if and .Values.hostNetwork (not $audit) }}
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
  {{- /* Spreads the webhook's replicas; the audit's one pod has nothing to spread. */}}
  {{- if not $audit }}
  {{- with .Values.topologySpreadConstraints }}
  {{- $constraints := list }}
  {{- range . }}
  {{- $defaults := dict
        "labelSelector" (dict "matchLabels" (include "rtw.selectorLabels" $root | fromYaml))
        "matchLabelKeys" (list "pod-template-hash") }}
  {{- $constraints = append $constraints (mergeOverwrite $defaults .) }}
  {{- end }}
  topologySpreadConstraints:
    {{- toYaml $constraints | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ ternary "audit" "webhook" $audit }}
      image: {{ include "rtw.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      # The image's entrypoint is `node dist/cli.js`.
      args:
        - serve
        {{- with $operation }}
        - --operation
        - {{ . }}
        {{- end }}
        - --port
        - {{ .Values.server.port | quote }}
        - --cert-dir
        - {{ $certDir }}
        - --enforcement
        - {{ .Values.server.enforcement }}
        {{- if .Values.server.policy }}
        - --policy
        - /etc/rollouts-traffic-webhook/policy/policy.yaml
        {{- end }}
        {{- /* Audit flags where the audit runs: `serve --operation webhook` refuses them. */}}
        {{- if ne $operation "webhook" }}
        - --audit-interval-seconds
        - {{ .Values.server.auditIntervalSeconds | quote }}
        - --audit-cpu-share
        - {{ .Values.server.auditCpuShare | quote }}
        - --audit-rejudge-every
        - {{ .Values.server.auditRejudgeEvery | quote }}
        {{- end }}
        {{- /* Events are recorded by admission only. */}}
        {{- if not $audit }}
        - --event-queue-size
        - {{ .Values.server.eventQueueSize | quote }}
        {{- end }}
        - --log-level
        - {{ .Values.server.logLevel }}
        - --controller-identities
        - {{ join "," .Values.server.controllerIdentities | quote }}
        - --shutdown-delay-seconds
        - {{ .Values.server.shutdownDelaySeconds | quote }}
        {{- with .Values.server.watchNamespaces }}
        - --namespaces
        - {{ join "," . | quote }}
        {{- end }}
        {{- if .Values.clientAuth.enabled }}
        - --client-ca
        - {{ printf "%s/%s" $clientCADir .Values.clientAuth.caKey }}
        {{- end }}
        {{- with .Values.server.extraArgs }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- $nodeOptions := list }}
      {{- with .Values.server.semiSpaceMiB }}
      {{- $nodeOptions = append $nodeOptions (printf "--max-semi-space-size=%v" .) }}
      {{- end }}
      {{- with include "rtw.maxOldSpaceMiB" (dict "root" . "resources" $resources) }}
      {{- $nodeOptions = append $nodeOptions (printf "--max-old-space-size=%s" .) }}
      {{- end }}
      {{- if or $nodeOptions .Values.server.extraEnv }}
      env:
        {{- with $nodeOptions }}
        - name: NODE_OPTIONS
          value: {{ join " " . | quote }}
        {{- end }}
        {{- with .Values.server.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
      ports:
        - name: https
          containerPort: {{ .Values.server.port }}
          protocol: TCP
      {{- if $audit }}
      # Ready after the caches have synced and the first audit has run (30 s at the most).
      {{- else }}
      # Ready only after the caches have synced; the apiserver is sent to Ready pods only.
      {{- end }}
      readinessProbe:
        httpGet:
          path: /readyz
          port: https
          scheme: HTTPS
        {{- toYaml .Values.readinessProbe | nindent 8 }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: https
          scheme: HTTPS
        {{- toYaml .Values.livenessProbe | nindent 8 }}
      lifecycle:
        # Terminating pods leave the Service's endpoints while this sleeps; then SIGTERM
        # makes /readyz fail and the server drains for server.shutdownDelaySeconds.
        preStop:
          sleep:
            seconds: {{ .Values.preStopSleepSeconds }}
      resources:
        {{- toYaml $resources | nindent 8 }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: tls
          mountPath: {{ $certDir }}
          readOnly: true
        {{- if .Values.clientAuth.enabled }}
        - name: client-ca
          mountPath: {{ $clientCADir }}
          readOnly: true
        {{- end }}
        {{- if .Values.server.policy }}
        - name: policy
          mountPath: /etc/rollouts-traffic-webhook/policy
          readOnly: true
        {{- end }}
  volumes:
    # Mounted as a directory (no subPath) so kubelet's atomic symlink swap reaches the pod
    # and the server reloads the new certificate.
    - name: tls
      secret:
        secretName: {{ include "rtw.tlsSecretName" . }}
        defaultMode: 288 # 0440 octal, written in decimal for YAML 1.2 readers
    {{- if .Values.clientAuth.enabled }}
    - name: client-ca
      configMap:
        name: {{ required "clientAuth.caConfigMap is required when clientAuth.enabled is true" .Values.clientAuth.caConfigMap }}
        defaultMode: 288 # 0440 octal, written in decimal for YAML 1.2 readers
    {{- end }}
    {{- if .Values.server.policy }}
    - name: policy
      configMap:
        name: {{ include "rtw.fullname" . }}-policy
    {{- end }}
{{- end }}
{{- end -}}
