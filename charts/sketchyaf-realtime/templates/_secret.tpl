{{/* data of the chart-managed Secret (base64); optional keys only when set. */}}
{{- define "sketchyaf-realtime.secretData" -}}
{{- $s := .Values.secret.values }}
{{- $data := dict
  "DATABASE_URL" $s.databaseUrl
  "PUBNUB_PUBLISH_KEY" $s.pubnubPublishKey
  "PUBNUB_SUBSCRIBE_KEY" $s.pubnubSubscribeKey
  "BROADCAST_API_TOKENS" $s.apiTokens }}
{{- if $.Values.secret.perServiceDatabaseUrls }}
{{- $_ := set $data "BROADCASTER_DATABASE_URL" $s.broadcasterDatabaseUrl }}
{{- $_ := set $data "TIMER_MONITOR_DATABASE_URL" $s.timerMonitorDatabaseUrl }}
{{- $_ := set $data "HEALTH_DATABASE_URL" $s.healthDatabaseUrl }}
{{- end }}
{{- with $s.redisUrl }}
{{- $_ := set $data "REDIS_URL" . }}
{{- end }}
{{- with $s.pubnubSecretKey }}
{{- $_ := set $data "PUBNUB_SECRET_KEY" . }}
{{- end }}
{{- with $s.adminTokens }}
{{- $_ := set $data "BROADCAST_ADMIN_TOKENS" . }}
{{- end }}
{{- with $s.apiClients }}
{{- $_ := set $data "BROADCAST_API_CLIENTS" . }}
{{- end }}
{{- range $key, $value := $data }}
{{ $key }}: {{ $value | b64enc | quote }}
{{- end }}
{{- end }}
