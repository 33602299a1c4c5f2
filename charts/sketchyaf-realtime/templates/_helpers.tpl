{{/* Names, labels and the image reference shared by every template. */}}

{{- define "sketchyaf-realtime.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Object name prefix; component names are appended, so it stays under 40 characters. */}}
{{- define "sketchyaf-realtime.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sketchyaf-realtime.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of a component: (dict "root" $ "component" "broadcaster"). */}}
{{- define "sketchyaf-realtime.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sketchyaf-realtime.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every label of a component's objects. */}}
{{- define "sketchyaf-realtime.labels" -}}
helm.sh/chart: {{ include "sketchyaf-realtime.chart" .root }}
{{ include "sketchyaf-realtime.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: sketchyaf-realtime
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Name of a component's objects. */}}
{{- define "sketchyaf-realtime.componentName" -}}
{{- printf "%s-%s" (include "sketchyaf-realtime.fullname" .root) .component }}
{{- end }}

{{- define "sketchyaf-realtime.image" -}}
{{- $image := .Values.image }}
{{- $ref := printf "%s/%s" $image.registry $image.repository }}
{{- if $image.digest }}
{{- printf "%s@%s" $ref $image.digest }}
{{- else }}
{{- /* No default tag: appVersion is never pushed, so a default would point at an image that does not exist. */}}
{{- $tag := required "image.tag is required: the image tag CI pushed for the release (a semver tag such as 1.4.2, or a commit sha), e.g. --set image.tag=1.4.2; or pin image.digest" $image.tag }}
{{- printf "%s:%s" $ref $tag }}
{{- end }}
{{- end }}

{{/* The Secret the pods read: an existing one, or the chart's. */}}
{{- define "sketchyaf-realtime.secretName" -}}
{{- default (include "sketchyaf-realtime.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/* Whether KEDA drives timer-monitor and relay autoscaling: "true" or "". */}}
{{- define "sketchyaf-realtime.useKeda" -}}
{{- $mode := .Values.keda.mode }}
{{- if or (eq $mode "always") (and (eq $mode "auto") (.Capabilities.APIVersions.Has "keda.sh/v1alpha1")) }}true{{ end }}
{{- end }}

{{/* Whether to render the ServiceMonitor and PrometheusRule: "true" or "". */}}
{{- define "sketchyaf-realtime.useMonitoring" -}}
{{- $mode := .Values.monitoring.mode }}
{{- if or (eq $mode "always") (and (eq $mode "auto") (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) }}true{{ end }}
{{- end }}

{{/* Runs more than one pod at some point: (dict "values" .Values.broadcaster). */}}
{{- define "sketchyaf-realtime.multiReplica" -}}
{{- $v := .values }}
{{- $auto := and $v.autoscaling $v.autoscaling.enabled }}
{{- if or (gt (int $v.replicaCount) 1) (and $auto (gt (int $v.autoscaling.minReplicas) 1)) }}true{{ end }}
{{- end }}

{{/* Fails with every missing required value named at once. */}}
{{- define "sketchyaf-realtime.validate" -}}
{{- $problems := list }}
{{- if not .Values.secret.existingSecret }}
{{- range $key := list "databaseUrl" "pubnubPublishKey" "pubnubSubscribeKey" "apiTokens" }}
{{- if not (index $.Values.secret.values $key) }}
{{- $problems = append $problems (printf "secret.values.%s (or set secret.existingSecret)" $key) }}
{{- end }}
{{- end }}
{{- if .Values.secret.perServiceDatabaseUrls }}
{{- range $key := list "broadcasterDatabaseUrl" "timerMonitorDatabaseUrl" "healthDatabaseUrl" }}
{{- if not (index $.Values.secret.values $key) }}
{{- $problems = append $problems (printf "secret.values.%s (secret.perServiceDatabaseUrls is on; or set secret.existingSecret)" $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- $leased := list .Values.timerMonitor (ternary .Values.relay .Values.broadcaster .Values.relay.enabled) }}
{{- $multi := false }}
{{- range $leased }}
{{- if include "sketchyaf-realtime.multiReplica" (dict "values" .) }}{{ $multi = true }}{{ end }}
{{- end }}
{{- if and $multi (not .Values.secret.values.redisUrl) }}
{{- $problems = append $problems "secret.values.redisUrl (REDIS_URL: several timer-monitor or relay replicas split the shards through Redis leases)" }}
{{- end }}
{{- end }}
{{- if $problems }}
{{- fail (printf "sketchyaf-realtime: missing values: %s" (join "; " $problems)) }}
{{- end }}
{{- end }}

{{/* The service components this release runs: a JSON list of {name, key} (key: their values block). */}}
{{- define "sketchyaf-realtime.components" -}}
{{- $c := list (dict "name" "broadcaster" "key" "broadcaster") }}
{{- if .Values.relay.enabled }}
{{- $c = append $c (dict "name" "relay" "key" "relay") }}
{{- end }}
{{- $c = append $c (dict "name" "timer-monitor" "key" "timerMonitor") }}
{{- if .Values.health.enabled }}
{{- $c = append $c (dict "name" "health" "key" "health") }}
{{- end }}
{{- toJson $c }}
{{- end }}
