{{/* The chart's name. */}}
{{- define "ferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, the name of its objects. */}}
{{- define "ferry.fullname" -}}
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

{{/* Labels of every object. */}}
{{- define "ferry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ferry
{{- end }}

{{/* Labels shared by every instance's pods. */}}
{{- define "ferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The service account's name. */}}
{{- define "ferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ferry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference. */}}
{{- define "ferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The instances: "main" and one per shard, each a dict with the shard's name
("" for main), the name of its objects, its label value, its Lease and its
label selector (Flux's sharding.fluxcd.io/key convention). Rendered as
YAML; read back with fromYaml.
*/}}
{{- define "ferry.instances" -}}
{{- $root := . }}
{{- $full := include "ferry.fullname" . }}
{{- $id := default $full .Values.leaderElection.id }}
{{- $extra := .Values.watchLabelSelector }}
{{- $main := "" }}
{{- if .Values.shards }}
{{- $main = "!sharding.fluxcd.io/key" }}
{{- end }}
instances:
- shard: ""
  name: {{ $full | quote }}
  label: main
  leaseID: {{ $id | quote }}
  selector: {{ join "," (compact (list $extra $main)) | quote }}
{{- range .Values.shards }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (toString .)) }}
{{- fail (printf "shards: %q is not a DNS label (lower-case letters, digits and '-')" (toString .)) }}
{{- end }}
{{- if eq (toString .) "main" }}
{{- fail "shards: \"main\" names the main instance; choose another shard name" }}
{{- end }}
- shard: {{ . | quote }}
  name: {{ printf "%s-%s" $full . | trunc 63 | trimSuffix "-" | quote }}
  label: {{ . | quote }}
  leaseID: {{ printf "%s-%s" $id . | quote }}
  selector: {{ join "," (compact (list $extra (printf "sharding.fluxcd.io/key=%s" .))) | quote }}
{{- end }}
{{- end }}
