{{/*
One service Deployment. Call with a dict:
  root       the top context ($)
  component  broadcaster | relay | timer-monitor | health
  values     that component's values
  entry      the entry file node runs (the image's ENTRYPOINT is node)
  secretEnv  list of (list NAME optional) read from the Secret
  kubeApi    whether the pod gets a ServiceAccount token
*/}}
{{- define "sketchyaf-realtime.deployment" -}}
{{- $root := .root }}
{{- $v := .values }}
{{- $pod := $root.Values.pod }}
{{- $ctx := dict "root" $root "component" .component }}
{{- $name := include "sketchyaf-realtime.componentName" $ctx }}
{{- $autoscaled := and (hasKey $v "autoscaling") $v.autoscaling.enabled }}
{{- $extraEnv := concat $pod.extraEnv $v.extraEnv }}
{{- $chartEnv := include "sketchyaf-realtime.chartEnv" . | fromYamlArray }}
{{- $taken := list }}
{{- range $chartEnv }}{{ $taken = append $taken .name }}{{ end }}
{{- range $extraEnv }}
{{- if has .name $taken }}
{{- fail (printf "%s: extraEnv %s is set by the chart itself; change it through its own value" $name .name) }}
{{- end }}
{{- end }}
{{- if ge (add $pod.shutdownDeadlineSeconds $pod.preStopSleepSeconds) (int $pod.terminationGracePeriodSeconds) }}
{{- fail (printf "pod.shutdownDeadlineSeconds (%d) + pod.preStopSleepSeconds (%d) must be below pod.terminationGracePeriodSeconds (%d): the process must give up and say what hung before the kubelet kills it" (int $pod.shutdownDeadlineSeconds) (int $pod.preStopSleepSeconds) (int $pod.terminationGracePeriodSeconds)) }}
{{- end }}
{{- $spread := $v.topologySpreadConstraints | default $pod.topologySpreadConstraints }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sketchyaf-realtime.labels" $ctx | nindent 4 }}
spec:
  {{- if not $autoscaled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  # A new pod must be ready before an old one goes: capacity never drops
  # during a rollout, and a broken release never takes serving pods away.
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "sketchyaf-realtime.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "sketchyaf-realtime.labels" $ctx | nindent 8 }}
        {{- with $pod.labels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "sketchyaf-realtime.configData" $ctx | sha256sum }}
        {{- if not $root.Values.secret.existingSecret }}
        checksum/secret: {{ include "sketchyaf-realtime.secretData" $root | sha256sum }}
        {{- end }}
        {{- with (merge (dict) $v.podAnnotations $pod.annotations) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: {{ .kubeApi }}
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ $pod.terminationGracePeriodSeconds }}
      {{- with $pod.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: {{ $pod.runAsUser }}
        runAsGroup: {{ $pod.runAsGroup }}
        seccompProfile:
          type: RuntimeDefault
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- with $pod.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $pod.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with ($v.affinity | default $pod.affinity) }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $spread }}
      topologySpreadConstraints:
        {{- toYaml $spread | nindent 8 }}
      {{- else if $pod.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $pod.topologySpread.topologyKeys }}
        - topologyKey: {{ . }}
          maxSkew: {{ $pod.topologySpread.maxSkew }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "sketchyaf-realtime.selectorLabels" $ctx | nindent 14 }}
          matchLabelKeys:
            - pod-template-hash
        {{- end }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "sketchyaf-realtime.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- range .nodeFlags }}
            - {{ . | quote }}
            {{- end }}
            - {{ .entry }}
          ports:
            - name: http
              containerPort: {{ $v.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $name }}
          env:
            {{- toYaml $chartEnv | nindent 12 }}
            {{- with $extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /livez
              port: http
            {{- toYaml $pod.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /livez
              port: http
            {{- toYaml $pod.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            {{- toYaml $pod.probes.readiness | nindent 12 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $pod.preStopSleepSeconds }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "sketchyaf-realtime.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with (include "sketchyaf-realtime.tlsVolumeMounts" $root | trim) }}{{ . | nindent 12 }}{{ end }}
            {{- with (concat $pod.extraVolumeMounts $v.extraVolumeMounts) }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $pod.tmpSizeLimit }}
        {{- with (include "sketchyaf-realtime.tlsVolumes" $root | trim) }}{{ . | nindent 8 }}{{ end }}
        {{- with (concat $pod.extraVolumes $v.extraVolumes) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end }}

{{/* The env entries the chart itself sets on a service container (same dict as the deployment); extraEnv may not repeat them. */}}
{{- define "sketchyaf-realtime.chartEnv" -}}
- name: PORT
  value: {{ .values.port | quote }}
- name: SHUTDOWN_DEADLINE_MS
  value: {{ mul .root.Values.pod.shutdownDeadlineSeconds 1000 | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{ include "sketchyaf-realtime.secretEnv" (dict "root" .root "keys" .secretEnv) | trim }}
{{- with (include "sketchyaf-realtime.tlsEnv" .root | trim) }}
{{ . }}
{{- end }}
{{- end }}

{{/* Restricted container security context, the same for every container. */}}
{{- define "sketchyaf-realtime.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop:
    - ALL
{{- end }}

{{/* env entries read from the Secret: (dict "root" $ "keys" (list (list "DATABASE_URL" false))); a third element names another Secret key. */}}
{{- define "sketchyaf-realtime.secretEnv" -}}
{{- $secret := include "sketchyaf-realtime.secretName" .root }}
{{- range .keys }}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ ternary (index . 0) (last .) (eq (len .) 2) }}
      {{- if index . 1 }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}

{{/* The Secret key a component reads DATABASE_URL from: its own with secret.perServiceDatabaseUrls (docs/database-roles.md). */}}
{{- define "sketchyaf-realtime.databaseUrlKey" -}}
{{- if .root.Values.secret.perServiceDatabaseUrls }}{{ .key }}{{ else }}DATABASE_URL{{ end }}
{{- end }}
