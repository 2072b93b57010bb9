{{/*
Names, labels and shared snippets of the Aurora chart.
*/}}

{{- define "aurora.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aurora.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "aurora.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aurora.labels" -}}
helm.sh/chart: {{ include "aurora.chart" . }}
{{ include "aurora.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: aurora
{{- end }}

{{- define "aurora.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aurora.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "aurora.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "aurora.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding AURORA_SECRET_KEY, the store URLs and credentials (keys = variable names). */}}
{{- define "aurora.secretName" -}}
{{- default (include "aurora.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{- define "aurora.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Non-empty entries of .Values.config, as ConfigMap data. */}}
{{- define "aurora.configData" -}}
{{- range $name, $value := .Values.config }}
{{- if and (not (kindIs "invalid" $value)) (ne (toString $value) "") }}
{{ $name }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- if .Values.configFile }}
AURORA_CONFIG: /etc/aurora/config.json
{{- end }}
{{- end }}

{{/* Variables every Aurora container gets besides the ConfigMap and the Secret. */}}
{{- define "aurora.fixedEnv" -}}
- name: AURORA_HOST
  value: 0.0.0.0
- name: AURORA_PORT
  value: {{ .Values.containerPort | quote }}
- name: AURORA_DATA_DIR
  value: /var/lib/aurora
{{- end }}

{{/* Writable places on a read-only root filesystem: /tmp, the data directory, the config file. */}}
{{- define "aurora.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
- name: data
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if .Values.configFile }}
- name: config-file
  configMap:
    name: {{ include "aurora.fullname" . }}
    items:
      - key: config.json
        path: config.json
{{- end }}
{{- end }}

{{- define "aurora.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/aurora
{{- if .Values.configFile }}
- name: config-file
  mountPath: /etc/aurora
  readOnly: true
{{- end }}
{{- end }}

{{/* Roll the pods when the configuration or the chart-managed Secret changes. */}}
{{- define "aurora.checksums" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.secret.existingSecret }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/*
The pod template of a Deployment. Arguments: (dict "root" $ "component" "server" "values" .Values.server).
*/}}
{{- define "aurora.podTemplate" -}}
{{- $root := .root }}
{{- $values := .values }}
metadata:
  annotations:
    {{- include "aurora.checksums" $root | nindent 4 }}
    {{- with $values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  labels:
    {{- include "aurora.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  serviceAccountName: {{ include "aurora.serviceAccountName" $root }}
  automountServiceAccountToken: false
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
  containers:
    - name: {{ .component }}
      image: {{ include "aurora.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: ['start']
      env:
        - name: AURORA_ROLE
          value: {{ .component }}
        {{- include "aurora.fixedEnv" $root | nindent 8 }}
      envFrom:
        - configMapRef:
            name: {{ include "aurora.fullname" $root }}
        - secretRef:
            name: {{ include "aurora.secretName" $root }}
      {{- if eq .component "server" }}
      ports:
        - name: http
          containerPort: {{ $root.Values.containerPort }}
          protocol: TCP
      {{- end }}
      {{- with $values.startupProbe }}
      startupProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      resources:
        {{- toYaml $values.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        {{- include "aurora.volumeMounts" $root | nindent 8 }}
  volumes:
    {{- include "aurora.volumes" $root | nindent 4 }}
  {{- with $values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
