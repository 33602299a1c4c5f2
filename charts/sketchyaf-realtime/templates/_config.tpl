{{/*
Environment of each component, rendered into its ConfigMap and hashed into
its pod annotations (checksum/config), so a change rolls exactly the pods
that read it. Call with (dict "root" $ "component" "broadcaster").
*/}}
{{- define "sketchyaf-realtime.configData" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $data := dict
  "APP_ENV" $v.environment
  "LOG_LEVEL" $v.config.logLevel
  "SHARD_COUNT" (toString (int $v.config.shardCount))
  "PUBNUB_ORIGIN" $v.config.pubnubOrigin
  "HOST" "0.0.0.0" }}
{{- $fullname := include "sketchyaf-realtime.fullname" $root }}
{{- $own := dict }}
{{- if eq .component "broadcaster" }}
{{- $own = $v.broadcaster.env }}
{{- $_ := set $data "CORS_ORIGINS" (join "," $v.broadcaster.corsOrigins) }}
{{- $_ := set $data "RELAY_ENABLED" (ternary "false" "true" $v.relay.enabled) }}
{{- else if eq .component "relay" }}
{{- $own = $v.relay.env }}
{{- $_ := set $data "RELAY_ENABLED" "true" }}
{{- else if eq .component "timer-monitor" }}
{{- $own = $v.timerMonitor.env }}
{{- else if eq .component "health" }}
{{- $own = $v.health.env }}
{{- $_ := set $data "BROADCASTER_URLS" (printf "http://%s-broadcaster:%d" $fullname (int $v.broadcaster.service.port)) }}
{{- $_ := set $data "TIMER_MONITOR_URLS" (printf "http://%s-timer-monitor:%d" $fullname (int $v.timerMonitor.port)) }}
{{- if $v.relay.enabled }}
{{- $_ := set $data "RELAY_URLS" (printf "http://%s-relay:%d" $fullname (int $v.relay.port)) }}
{{- end }}
{{- $_ := set $data "KUBERNETES_DEPLOYMENT_SELECTOR" (printf "app.kubernetes.io/instance=%s" $root.Release.Name) }}
{{- end }}
{{- if $v.control.enabled }}
{{- $_ := set $data "CONTROL_RESOURCE" (default $fullname $v.control.resourceName) }}
{{- end }}
{{- range $name, $value := $own }}
{{- if not (hasKey $data $name) }}
{{- $_ := set $data $name (ternary (printf "%d" (int64 $value)) (toString $value) (kindIs "float64" $value)) }}
{{- end }}
{{- end }}
{{- toYaml $data }}
{{- end }}
