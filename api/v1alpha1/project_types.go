package v1alpha1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProjectKind is the kind of [Project].
const ProjectKind = "Project"

// Defaults the API server fills in (the +kubebuilder:default markers below
// name the same values).
const (
	DefaultRef         = "main"
	DefaultStagePrefix = "stage/"
	DefaultInterval    = time.Minute
)

// The keys read from the Secrets a Project references. Other keys are
// ignored. Values are never logged nor written to status.
const (
	// SecretKeyUsername is the HTTP user name for Git over HTTPS (default
	// "git" with a token) or for Prometheus' basic authentication.
	SecretKeyUsername = "username"
	// SecretKeyPassword is the HTTP password or access token for Git over
	// HTTPS, the password of Prometheus' basic authentication, or the
	// passphrase of an encrypted SSH identity.
	SecretKeyPassword = "password"
	// SecretKeyBearerToken is Prometheus' bearer token.
	SecretKeyBearerToken = "bearerToken"
	// SecretKeyIdentity is the SSH private key for ssh:// and scp-like
	// repository URLs.
	SecretKeyIdentity = "identity"
	// SecretKeyKnownHosts lists the accepted SSH host keys; required with
	// an identity, as host keys are always checked.
	SecretKeyKnownHosts = "known_hosts"
	// SecretKeyCACert is a PEM bundle of certificate authorities trusted
	// for HTTPS (Git or Prometheus) in addition to the system's.
	SecretKeyCACert = "ca.crt"
	// SecretKeyToken is the forge's access token.
	SecretKeyToken = "token"
	// SecretKeySigningKey, in the repository's Secret, is the private key
	// ferry signs its commits with: an OpenSSH key or an armored OpenPGP
	// key, without a passphrase (docs/signing.md).
	SecretKeySigningKey = "signingKey"
	// SecretKeyAllowedSigners, in the repository's Secret, is an allowed
	// signers file (Git's gpg.ssh.allowedSignersFile format) of the SSH
	// keys that may sign candidates for ferry.yaml's verify stages.
	SecretKeyAllowedSigners = "allowedSigners"
	// SecretKeyAllowedPGPKeys, in the repository's Secret, holds the
	// armored OpenPGP public keys that may sign candidates.
	SecretKeyAllowedPGPKeys = "allowedPGPKeys"
	// SecretKeyVerifyStages, in the repository's Secret, names stages
	// (separated by commas or spaces) only signed candidates enter,
	// besides ferry.yaml's verify.stages and the controller's
	// --verify-stages; no commit to the repository turns them off.
	SecretKeyVerifyStages = "verifyStages"
)

// ForgeKind names a forge's API.
// +kubebuilder:validation:Enum=github;gitlab;gitea
type ForgeKind string

// The forges ferry speaks to.
const (
	ForgeGitHub ForgeKind = "github"
	ForgeGitLab ForgeKind = "gitlab"
	ForgeGitea  ForgeKind = "gitea"
)

// ProjectSpec is a ferry project: the Git repository whose main branch
// holds its shipyard, where its stage branches live, and where its quality
// gates query metrics.
type ProjectSpec struct {
	// Repository is the project's Git repository.
	// +required
	Repository Repository `json:"repository"`

	// StagePrefix prefixes the stage branches: stage "prod" is branch
	// "<stagePrefix>prod". Defaults to "stage/".
	// +kubebuilder:default="stage/"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^[^\s~^:?*\[\\]+$`
	// +optional
	StagePrefix string `json:"stagePrefix,omitempty"`

	// Prometheus is where the quality gates' SLI queries run. Without it
	// the project's evaluations fail.
	// +optional
	Prometheus *Prometheus `json:"prometheus,omitempty"`

	// Interval at which the repository is fetched and the project
	// reconciled, besides webhooks. Defaults to 1m.
	// +kubebuilder:default="1m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval metav1.Duration `json:"interval,omitzero"`

	// Suspend stops the reconciliation of the project; runs in flight stay
	// where they are until it is resumed.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Forge is where ferry opens approval pull requests and reports
	// commit statuses. Without it approvals are merges of the proposal
	// branches.
	// +optional
	Forge *Forge `json:"forge,omitempty"`
}

// Repository is a project's Git repository.
type Repository struct {
	// URL of the repository: http(s)://, ssh://, git://, or scp-like
	// user@host:path.
	// +kubebuilder:validation:Pattern=`^((https?|ssh|git)://[^\s]+|[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:[^\s]+)$`
	// +required
	URL string `json:"url"`

	// Ref is the branch holding the project's configuration. Defaults to
	// "main".
	// +kubebuilder:default="main"
	// +kubebuilder:validation:MinLength=1
	// +optional
	Ref string `json:"ref,omitempty"`

	// SecretRef names a Secret in the Project's namespace with the
	// credentials: for HTTPS "password" (a password or an access token)
	// and optionally "username" and "ca.crt"; for SSH "identity" and
	// "known_hosts", and "password" when the identity is encrypted.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`
}

// Prometheus is the server the quality gates query.
type Prometheus struct {
	// URL of the Prometheus HTTP API's base, e.g.
	// http://prometheus.monitoring:9090.
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	// +required
	URL string `json:"url"`

	// SecretRef names a Secret in the Project's namespace with
	// "bearerToken", or "username" and "password", and optionally
	// "ca.crt".
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`
}

// Forge is a GitHub, GitLab or Gitea repository's API.
type Forge struct {
	// Kind of the forge: github, gitlab or gitea.
	// +required
	Kind ForgeKind `json:"kind"`

	// API is the API's base URL: https://api.github.com,
	// https://gitlab.example.com/api/v4, https://gitea.example.com/api/v1.
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	// +required
	API string `json:"api"`

	// Repo is the repository on the forge, owner/name (GitLab: the
	// project's full path).
	// +kubebuilder:validation:Pattern=`^[^/\s]+(/[^/\s]+)+$`
	// +required
	Repo string `json:"repo"`

	// SecretRef names a Secret in the Project's namespace holding the
	// access token under "token".
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef"`
}

// ProjectStatus is what ferry last observed of a project.
type ProjectStatus struct {
	// ObservedGeneration is the generation of the spec last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions are the project's Ready, Reconciling and Stalled
	// conditions.
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastHandledRevision is the commit of spec.repository.ref that the
	// last reconciliation read the project's configuration from, in Flux's
	// revision format "<ref>@sha1:<hash>" (e.g. "main@sha1:0a1b…").
	// +optional
	LastHandledRevision string `json:"lastHandledRevision,omitempty"`

	// Stages summarise each stage, in shipyard order: what each service
	// runs and the run in flight. The ferry/status branch holds the full
	// record.
	// +optional
	Stages []StageSummary `json:"stages,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// StageSummary is one stage of a project's status.
type StageSummary struct {
	// Name of the stage.
	Name string `json:"name"`

	// Services in the stage, by name.
	// +optional
	Services []ServiceSummary `json:"services,omitempty"`
}

// ServiceSummary is one service in one stage.
type ServiceSummary struct {
	// Name of the service.
	Name string `json:"name"`

	// Deployed is the pin the stage branch runs (its artifact pins in
	// short), empty when nothing was deployed yet.
	// +optional
	Deployed string `json:"deployed,omitempty"`

	// Candidate is the candidate the stage branch runs.
	// +optional
	Candidate string `json:"candidate,omitempty"`

	// InFlight is the run under way, if any.
	// +optional
	InFlight *InFlightRun `json:"inFlight,omitempty"`
}

// InFlightRun is a run under way.
type InFlightRun struct {
	// Run is the run's identifier.
	Run string `json:"run"`

	// Task is the task being run.
	// +optional
	Task string `json:"task,omitempty"`

	// WaitingFor says what the run waits for, in words.
	// +optional
	WaitingFor string `json:"waitingFor,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fproj,categories=ferry
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status"
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message"
// +kubebuilder:printcolumn:name="Revision",type="string",JSONPath=".status.lastHandledRevision"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"

// Project is a ferry project: ferry delivers the services its repository's
// shipyard names through the stages it lists.
type Project struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ProjectSpec `json:"spec,omitempty"`
	// +kubebuilder:default={"observedGeneration":-1}
	Status ProjectStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ProjectList is a list of Projects.
type ProjectList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Project `json:"items"`
}

// GetConditions returns the project's status conditions.
func (in *Project) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions sets the project's status conditions.
func (in *Project) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns the interval after which the project is
// reconciled again.
func (in *Project) GetRequeueAfter() time.Duration {
	if in.Spec.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return in.Spec.Interval.Duration
}
