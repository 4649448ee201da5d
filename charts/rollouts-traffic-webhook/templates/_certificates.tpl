{{/*
Certificate material for certificates.mode=generate, as a JSON object of base64 strings:
caCrt, caKey, caNotAfter, previousCaCrt, previousCaNotAfter, tlsCrt, tlsKey, tlsNotAfter, caBundle.

Stable across upgrades: the CA and serving Secrets already in the cluster are read with `lookup`
and reused. The serving certificate is re-signed by the same CA when it is close to expiry
(caBundle unchanged). The CA is replaced only when close to its own expiry; the old CA then stays
in caBundle until it expires, so whichever certificate a pod serves while kubelet syncs the
Secret volume still verifies. Expiry is kept in an annotation because templates cannot parse
X.509.

Computed once per render and cached in the values tree: each call would make a new key, and
the Secrets and both webhook configurations must agree on it.
*/}}
{{- define "rtw.generatedTLS" -}}
{{- $g := .Values.certificates.generate -}}
{{- if not (hasKey $g "__rendered") -}}
{{- if ge (int $g.caRenewBeforeDays) (int $g.caValidityDays) -}}
{{- fail "certificates.generate.caRenewBeforeDays must be less than caValidityDays, or every upgrade would replace the CA" -}}
{{- end -}}
{{- $fullname := include "rtw.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $notAfterKey := "rollouts-traffic-webhook/not-after" -}}
{{- $previousNotAfterKey := "rollouts-traffic-webhook/previous-ca-not-after" -}}
{{- $day := 86400 -}}
{{- $now := now | unixEpoch | int64 -}}
{{- $caSecret := lookup "v1" "Secret" $ns (printf "%s-ca" $fullname) | default dict -}}
{{- $tlsSecret := lookup "v1" "Secret" $ns (printf "%s-tls" $fullname) | default dict -}}

{{- $oldCaCrt := dig "data" "tls.crt" "" $caSecret -}}
{{- $oldCaKey := dig "data" "tls.key" "" $caSecret -}}
{{- $oldCaNotAfter := dig "metadata" "annotations" $notAfterKey "0" $caSecret | int64 -}}
{{- $out := dict -}}
{{- $ca := dict -}}
{{- $caChanged := false -}}
{{- if and $oldCaCrt $oldCaKey (gt (sub $oldCaNotAfter $now) (mul (int $g.caRenewBeforeDays) $day)) -}}
{{- $ca = buildCustomCert $oldCaCrt $oldCaKey -}}
{{- $_ := set $out "caCrt" $oldCaCrt -}}
{{- $_ := set $out "caKey" $oldCaKey -}}
{{- $_ := set $out "caNotAfter" $oldCaNotAfter -}}
{{- $prev := dig "data" "previous.crt" "" $caSecret -}}
{{- $prevNotAfter := dig "metadata" "annotations" $previousNotAfterKey "0" $caSecret | int64 -}}
{{- if and $prev (gt $prevNotAfter $now) -}}
{{- $_ := set $out "previousCaCrt" $prev -}}
{{- $_ := set $out "previousCaNotAfter" $prevNotAfter -}}
{{- end -}}
{{- else -}}
{{- $caChanged = true -}}
{{- /* ECDSA P-256: cheap TLS handshakes for the apiserver, and key generation in milliseconds. */ -}}
{{- $ca = genCAWithKey (printf "%s-ca" $fullname) (int $g.caValidityDays) (genPrivateKey "ecdsa") -}}
{{- $_ := set $out "caCrt" ($ca.Cert | b64enc) -}}
{{- $_ := set $out "caKey" ($ca.Key | b64enc) -}}
{{- $_ := set $out "caNotAfter" (add $now (mul (int $g.caValidityDays) $day)) -}}
{{- if and $oldCaCrt (gt $oldCaNotAfter $now) -}}
{{- $_ := set $out "previousCaCrt" $oldCaCrt -}}
{{- $_ := set $out "previousCaNotAfter" $oldCaNotAfter -}}
{{- end -}}
{{- end -}}

{{- $oldTlsCrt := dig "data" "tls.crt" "" $tlsSecret -}}
{{- $oldTlsKey := dig "data" "tls.key" "" $tlsSecret -}}
{{- $oldTlsNotAfter := dig "metadata" "annotations" $notAfterKey "0" $tlsSecret | int64 -}}
{{- if and (not $caChanged) $oldTlsCrt $oldTlsKey (gt (sub $oldTlsNotAfter $now) (mul (int $g.renewBeforeDays) $day)) -}}
{{- $_ := set $out "tlsCrt" $oldTlsCrt -}}
{{- $_ := set $out "tlsKey" $oldTlsKey -}}
{{- $_ := set $out "tlsNotAfter" $oldTlsNotAfter -}}
{{- else -}}
{{- /* A serving certificate never outlives the CA that signed it. */ -}}
{{- $days := min (int $g.validityDays) (div (sub (int64 $out.caNotAfter) $now) $day) -}}
{{- $dnsNames := include "rtw.serviceDNSNames" . | fromJsonArray -}}
{{- $cert := genSignedCertWithKey (printf "%s.%s.svc" $fullname $ns) nil $dnsNames (int $days) $ca (genPrivateKey "ecdsa") -}}
{{- $_ := set $out "tlsCrt" ($cert.Cert | b64enc) -}}
{{- $_ := set $out "tlsKey" ($cert.Key | b64enc) -}}
{{- $_ := set $out "tlsNotAfter" (add $now (mul $days $day)) -}}
{{- end -}}

{{- $bundle := b64dec $out.caCrt -}}
{{- with $out.previousCaCrt }}{{ $bundle = printf "%s%s" $bundle (b64dec .) }}{{ end -}}
{{- $_ := set $out "caBundle" ($bundle | b64enc) -}}
{{- $_ := set $g "__rendered" $out -}}
{{- end -}}
{{- toJson (get $g "__rendered") -}}
{{- end -}}

{{/* caBundle for the webhook configurations; empty in certManager mode (cainjector fills it). */}}
{{- define "rtw.caBundle" -}}
{{- $mode := .Values.certificates.mode -}}
{{- if eq $mode "generate" -}}
{{- (include "rtw.generatedTLS" . | fromJson).caBundle -}}
{{- else if eq $mode "secret" -}}
{{- $bundle := required "certificates.secret.caBundle (base64 PEM of the CA that signed the Secret's certificate) is required when certificates.mode is secret" .Values.certificates.secret.caBundle | nospace -}}
{{- if not (contains "-----BEGIN CERTIFICATE-----" (b64dec $bundle)) -}}
{{- fail "certificates.secret.caBundle must be the base64 encoding of PEM certificates (-----BEGIN CERTIFICATE-----)" -}}
{{- end -}}
{{- $bundle -}}
{{- end -}}
{{- end -}}

{{/* Annotations that make cert-manager's cainjector fill caBundle. */}}
{{- define "rtw.caInjectionAnnotations" -}}
{{- if eq .Values.certificates.mode "certManager" -}}
cert-manager.io/inject-ca-from: {{ printf "%s/%s-tls" .Release.Namespace (include "rtw.fullname" .) }}
{{- end -}}
{{- end -}}
