{{/*
CA bundles of a private CA for PostgreSQL and Redis (values `tls`): each one
set is mounted read-only under /etc/sketchyaf/tls/<name>/ and named by
DATABASE_CA_FILE or REDIS_CA_FILE. Services and the migration Job share them.
*/}}
{{- define "sketchyaf-realtime.tlsBundles" -}}
{{- $out := list -}}
{{- range $name, $env := dict "database" "DATABASE_CA_FILE" "redis" "REDIS_CA_FILE" -}}
{{- $ca := get $.Values.tls (printf "%sCa" $name) -}}
{{- if or $ca.secretName $ca.configMapName -}}
{{- $out = append $out (dict "name" $name "env" $env "ca" $ca) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end }}

{{- define "sketchyaf-realtime.tlsEnv" -}}
{{- range (include "sketchyaf-realtime.tlsBundles" . | fromJsonArray) }}
- name: {{ .env }}
  value: {{ printf "/etc/sketchyaf/tls/%s/%s" .name .ca.key | quote }}
{{- end }}
{{- end }}

{{- define "sketchyaf-realtime.tlsVolumeMounts" -}}
{{- range (include "sketchyaf-realtime.tlsBundles" . | fromJsonArray) }}
- name: {{ .name }}-ca
  mountPath: /etc/sketchyaf/tls/{{ .name }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "sketchyaf-realtime.tlsVolumes" -}}
{{- range (include "sketchyaf-realtime.tlsBundles" . | fromJsonArray) }}
- name: {{ .name }}-ca
  {{- if .ca.secretName }}
  secret:
    secretName: {{ .ca.secretName }}
  {{- else }}
  configMap:
    name: {{ .ca.configMapName }}
  {{- end }}
    items:
      - key: {{ .ca.key }}
        path: {{ .ca.key }}
{{- end }}
{{- end }}
