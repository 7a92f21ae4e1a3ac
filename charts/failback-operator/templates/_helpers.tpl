{{- define "failback-operator.labels" -}}
app.kubernetes.io/name: failback-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "failback-operator.selector" -}}
app.kubernetes.io/name: failback-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "failback-operator.fullname" -}}
{{- if eq .Release.Name "failback-operator" -}}
failback-operator
{{- else -}}
{{- printf "%s-failback-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
