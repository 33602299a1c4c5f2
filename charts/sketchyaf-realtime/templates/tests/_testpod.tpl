{{/* A `helm test` Pod running a node script: (dict "root" $ "name" "health" "env" list "script" string). */}}
{{- define "sketchyaf-realtime.testPod" -}}
{{- $root := .root }}
{{- $ctx := dict "root" $root "component" "test" }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "sketchyaf-realtime.componentName" $ctx }}-{{ .name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "sketchyaf-realtime.labels" $ctx | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext:
    runAsNonRoot: true
    runAsUser: {{ $root.Values.pod.runAsUser }}
    runAsGroup: {{ $root.Values.pod.runAsGroup }}
    seccompProfile:
      type: RuntimeDefault
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  containers:
    - name: {{ .name }}
      image: {{ include "sketchyaf-realtime.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        - --input-type=module
        - --eval
        - {{ .script | toYaml | indent 10 | trim }}
      env:
        {{- toYaml .env | nindent 8 }}
      resources:
        {{- toYaml $root.Values.tests.resources | nindent 8 }}
      securityContext:
        {{- include "sketchyaf-realtime.containerSecurityContext" $root | nindent 8 }}
{{- end }}
