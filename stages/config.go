package stages

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/remediator"
)

// Defaults of ferry.yaml.
const (
	DefaultStageBranchPrefix = "stage/"
	DefaultSettle            = 30 * time.Second
	DefaultApprovalTimeout   = 7 * 24 * time.Hour
	DefaultReplicasKey       = remediator.DefaultReplicasKey
	ConcurrencyQueue         = "queue"
	ConcurrencyLatest        = "latest"
)

// Config is ferry.yaml, the optional project settings at the top of main.
// None of it is needed to read a Keptn project.
type Config struct {
	// Project names the project: $PROJECT in SLI queries, the stage
	// namespaces (<project>-<stage>) and alert labels. Default: the
	// shipyard's metadata.name, as in Keptn.
	Project string `yaml:"project" json:"project,omitempty"`
	// StageBranchPrefix prefixes the stage branches. Default "stage/".
	StageBranchPrefix string `yaml:"stageBranchPrefix" json:"stageBranchPrefix,omitempty"`
	// Settle is how long a deployment waits when nothing reports that it
	// was applied. Default 30s.
	Settle string `yaml:"settle" json:"settle,omitempty"`
	// Stages holds per-stage settings.
	Stages map[string]StageConfig `yaml:"stages" json:"stages,omitempty"`
	// Alerts maps alert labels to ferry's concepts.
	Alerts AlertConfig `yaml:"alerts" json:"alerts,omitempty"`
	// Remediation holds remediation settings.
	Remediation RemediationConfig `yaml:"remediation" json:"remediation,omitempty"`
	// Services holds per-service settings, by service name.
	Services map[string]ServiceConfig `yaml:"services" json:"services,omitempty"`
	// Subscriptions name who is told, with a CloudEvent in Keptn's format,
	// when a run reaches a task ferry does not run itself.
	Subscriptions []Subscription `yaml:"subscriptions" json:"subscriptions,omitempty"`
	// Verify names the stages only signed candidates enter.
	Verify VerifyConfig `yaml:"verify" json:"verify,omitzero"`
}

// VerifyConfig names the stages a candidate enters only when its commit is
// signed by an allowed signer (docs/signing.md). The signers are given to
// ferry from outside the repository.
type VerifyConfig struct {
	// Stages are the stage names.
	Stages []string `yaml:"stages" json:"stages,omitempty"`
}

// VerifiesStage reports whether either of the configurations (nil is
// skipped) lists stage in verify.stages. signing.Verifier.Admit asks it of
// the candidate's, main's tip's and the stage's released candidate's, and
// adds the stages given to ferry from outside the repository.
func VerifiesStage(stage string, configs ...*Config) bool {
	for _, c := range configs {
		if c != nil && slices.Contains(c.Verify.Stages, stage) {
			return true
		}
	}
	return false
}

// ServiceConfig holds the settings of one service.
type ServiceConfig struct {
	// Sequence is the sequence a candidate of the service starts, in the
	// first stage, unless its commit names another with a Ferry-Sequence
	// trailer. Default: the first stage's first sequence.
	Sequence string `yaml:"sequence" json:"sequence,omitempty"`
}

// Subscription sends the .triggered CloudEvent of the tasks it names to a
// URL, as Keptn's uniform subscriptions did.
type Subscription struct {
	// Tasks are the task names (test, or any external task).
	Tasks []string `yaml:"tasks" json:"tasks"`
	// URL receives the events (HTTP POST, CloudEvents structured mode).
	URL string `yaml:"url" json:"url"`
	// Stages, when set, limits the subscription to these stages.
	Stages []string `yaml:"stages" json:"stages,omitempty"`
}

// validate checks a subscription: an absolute http(s) URL with a host, and
// at least one task, each a test or an external task. Its stages are
// checked against the shipyard with the rest of the project.
func (s *Subscription) validate(d *yamlfile.Doc, path string) {
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.Errorf(path+".url", "url %q must be an absolute http or https URL, e.g. https://tests.example.com/events", gitstore.Redact(s.URL))
	}
	if len(s.Tasks) == 0 {
		d.Errorf(path+".tasks", "a subscription needs at least one task, e.g. tasks: [test]")
	}
	for j, task := range s.Tasks {
		tp := fmt.Sprintf("%s.tasks[%d]", path, j)
		if why := checkName(task, 0); why != "" {
			d.Errorf(tp, "task name %s", why)
		} else if _, own := taskProperties[task]; own && task != TaskTest {
			d.Errorf(tp, "ferry runs %s itself: only test and external tasks are announced", task)
		}
	}
}

// StageConfig holds the settings of one stage.
type StageConfig struct {
	// Concurrency is "queue" (every candidate, in order; the default) or
	// "latest" (newer candidates supersede waiting ones).
	Concurrency string `yaml:"concurrency" json:"concurrency,omitempty"`
	// Namespace is the namespace the stage's manifests are placed in.
	// Default <project>-<stage>.
	Namespace string `yaml:"namespace" json:"namespace,omitempty"`
	// ApprovalTimeout is how long a manual approval into the stage waits
	// for a person before the run ends as expired. Default 168h (7 days).
	ApprovalTimeout string `yaml:"approvalTimeout" json:"approvalTimeout,omitempty"`
}

// AlertConfig names the alert labels that carry the service, the stage
// and the problem type. Defaults: service, stage, alertname.
type AlertConfig struct {
	ServiceLabel string `yaml:"serviceLabel" json:"serviceLabel,omitempty"`
	StageLabel   string `yaml:"stageLabel" json:"stageLabel,omitempty"`
	ProblemLabel string `yaml:"problemLabel" json:"problemLabel,omitempty"`
	// Window replaces $DURATION_SECONDS in generated alert rules. Default 1m.
	Window string `yaml:"window" json:"window,omitempty"`
	// For is how long a violation lasts before an alert fires. Default 1m.
	For string `yaml:"for" json:"for,omitempty"`
	// PrometheusOperator says the clusters run the Prometheus Operator:
	// the generated alerts.yaml (a PrometheusRule) is then listed in the
	// stage branch's kustomization, so the agent applies it.
	PrometheusOperator bool `yaml:"prometheusOperator" json:"prometheusOperator,omitempty"`
}

// RemediationConfig holds remediation settings.
type RemediationConfig struct {
	// ReplicasKey is the values key scaling edits. Default "replicaCount".
	ReplicasKey string `yaml:"replicasKey" json:"replicasKey,omitempty"`
	// ExternalActions are remediation actions run by another tool, which
	// reports their outcome; ferry records them and waits.
	ExternalActions []string `yaml:"externalActions" json:"externalActions,omitempty"`
	// MinReplicas and MaxReplicas bound scaling (0: no bound).
	MinReplicas int `yaml:"minReplicas" json:"minReplicas,omitempty"`
	MaxReplicas int `yaml:"maxReplicas" json:"maxReplicas,omitempty"`
}

// Scaling returns how scaling actions edit values: the replicas key and
// the bounds.
func (c RemediationConfig) Scaling() remediator.ScalingOptions {
	return remediator.ScalingOptions{
		ReplicasKey: c.ReplicasKey,
		Bounds:      remediator.Bounds{Min: c.MinReplicas, Max: c.MaxReplicas},
	}
}

// ParseConfig parses ferry.yaml and fills its defaults.
func ParseConfig(file string, data []byte) (*Config, *yamlfile.Doc) {
	var c Config
	d := yamlfile.Decode(file, data, &c)
	if d.HasErrors() {
		return nil, d
	}
	c.validate(d)
	if d.HasErrors() {
		return nil, d
	}
	return &c, d
}

// DefaultConfig is the configuration of a project without ferry.yaml.
func DefaultConfig() *Config {
	c := &Config{}
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	setDefault(&c.StageBranchPrefix, DefaultStageBranchPrefix)
	setDefault(&c.Settle, DefaultSettle.String())
	setDefault(&c.Alerts.ServiceLabel, "service")
	setDefault(&c.Alerts.StageLabel, "stage")
	setDefault(&c.Alerts.ProblemLabel, "alertname")
	setDefault(&c.Remediation.ReplicasKey, DefaultReplicasKey)
}

func setDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

func (c *Config) validate(d *yamlfile.Doc) {
	if c.Project != "" {
		if why := checkName(c.Project, 0); why != "" {
			d.Errorf("project", "project name %s", why)
		}
	}
	if c.StageBranchPrefix != "" && (strings.HasPrefix(c.StageBranchPrefix, "/") || strings.Contains(c.StageBranchPrefix, "..") || strings.ContainsAny(c.StageBranchPrefix, " ~^:?*[\\")) {
		d.Errorf("stageBranchPrefix", "%q is not a valid branch name prefix", c.StageBranchPrefix)
	}
	if c.Settle != "" {
		if _, why := parseDuration(c.Settle); why != "" {
			d.Errorf("settle", "settle %s", why)
		}
	}
	for _, f := range []struct{ path, val string }{{"alerts.window", c.Alerts.Window}, {"alerts.for", c.Alerts.For}} {
		if f.val != "" {
			if _, why := parseDuration(f.val); why != "" {
				d.Errorf(f.path, "%s %s", f.path, why)
			}
		}
	}
	if c.Remediation.MinReplicas < 0 || c.Remediation.MaxReplicas < 0 || c.Remediation.MaxReplicas > 0 && c.Remediation.MaxReplicas < c.Remediation.MinReplicas {
		d.Errorf("remediation", "minReplicas and maxReplicas must be positive, and max at least min")
	}
	for i, sub := range c.Subscriptions {
		sub.validate(d, fmt.Sprintf("subscriptions[%d]", i))
	}
	for name, st := range c.Stages {
		switch st.Concurrency {
		case "", ConcurrencyQueue, ConcurrencyLatest:
		default:
			d.Errorf("stages."+name+".concurrency", "concurrency must be queue or latest, got %q", st.Concurrency)
		}
		if st.ApprovalTimeout != "" {
			if _, why := parseDuration(st.ApprovalTimeout); why != "" {
				d.Errorf("stages."+name+".approvalTimeout", "approvalTimeout %s", why)
			}
		}
	}
	c.setDefaults()
}

// SettleTime returns the default settle time.
func (c *Config) SettleTime() time.Duration {
	d, _ := parseDuration(c.Settle)
	return d
}

// Namespace returns the namespace a stage's manifests are placed in:
// the stage's namespace setting, else <project>-<stage> (Keptn's).
func (c *Config) Namespace(project, stage string) string {
	if st, ok := c.Stages[stage]; ok && st.Namespace != "" {
		return st.Namespace
	}
	return project + "-" + stage
}

// ApprovalTimeout returns how long a manual approval into a stage waits:
// the stage's approvalTimeout, else [DefaultApprovalTimeout].
func (c *Config) ApprovalTimeout(stage string) time.Duration {
	if d, why := parseDuration(c.Stages[stage].ApprovalTimeout); why == "" {
		return d
	}
	return DefaultApprovalTimeout
}

// Concurrency returns the concurrency policy of a stage.
func (c *Config) Concurrency(stage string) string {
	if st, ok := c.Stages[stage]; ok && st.Concurrency != "" {
		return st.Concurrency
	}
	return ConcurrencyQueue
}

// Hold freezes a stage (holds/<stage>.yaml) or one service in a stage
// (services/<svc>/stages/<stage>/hold.yaml). Who asked is the author of the
// commit that added the file.
type Hold struct {
	// Reason says why; required.
	Reason string `yaml:"reason" json:"reason"`
	// Until ends the hold at a time (RFC 3339); empty holds until the file
	// is removed.
	Until string `yaml:"until" json:"until,omitempty"`
	// By names who asked, when it is not the commit's author.
	By string `yaml:"by" json:"by,omitempty"`
	// Remediation, when true, also stops remediation actions in the stage.
	Remediation bool `yaml:"remediation" json:"remediation,omitempty"`

	// until is when the hold ends, if ends: a time of 0001-01-01 ends it
	// too.
	until time.Time
	ends  bool
	// File is where the hold was read, e.g. holds/production.yaml.
	File string `yaml:"-" json:"-"`
}

// ParseHold parses a hold file.
func ParseHold(file string, data []byte) (*Hold, *yamlfile.Doc) {
	var h Hold
	d := yamlfile.Decode(file, data, &h)
	if d.HasErrors() {
		return nil, d
	}
	if strings.TrimSpace(h.Reason) == "" {
		d.Errorf("reason", "a hold needs a reason")
	}
	if h.Until != "" {
		t, err := time.Parse(time.RFC3339, h.Until)
		if err != nil {
			d.Errorf("until", "until %q is not an RFC 3339 time such as 2026-12-24T18:00:00Z", h.Until)
		}
		h.until, h.ends = t, err == nil
	}
	if d.HasErrors() {
		return nil, d
	}
	return &h, d
}

// InForce reports whether the hold applies at now: always without an
// until, else only before it (an until in the past holds nothing).
func (h *Hold) InForce(now time.Time) bool {
	return !h.ends || now.Before(h.until)
}

// UntilTime returns when the hold ends; zero when it does not end by itself.
func (h *Hold) UntilTime() time.Time { return h.until }

// Pin is a service's artifact pins: a Helm values fragment such as
// "image: carts:0.11.2", bumped by CI.
type Pin map[string]any

// ParsePin parses services/<svc>/pin.yaml.
func ParsePin(file string, data []byte) (Pin, *yamlfile.Doc) {
	var m map[string]any
	d := yamlfile.Decode(file, data, &m)
	if d.HasErrors() {
		return nil, d
	}
	if len(m) == 0 {
		d.Errorf("", "a pin file needs at least one value, e.g. image: carts:0.11.2")
		return nil, d
	}
	return Pin(m), d
}

// Summary renders the pin's scalar values as "key=value" pairs, sorted,
// for commit messages and status.
func (p Pin) Summary() string {
	var parts []string
	flatten("", map[string]any(p), func(k string, v any) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	})
	sortStrings(parts)
	return strings.Join(parts, " ")
}

func flatten(prefix string, m map[string]any, fn func(string, any)) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			flatten(key, sub, fn)
			continue
		}
		fn(key, v)
	}
}
