package event

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ferrycd/ferry/status"
)

// Keptn's event vocabulary, as keptn/go-utils (pkg/lib/v0_2_0) spells it.
const (
	// TypePrefix starts every Keptn event type.
	TypePrefix = "sh.keptn.event."
	// SpecVersion is the shkeptnspecversion ferry speaks.
	SpecVersion = "0.2.4"
	// DefaultSource is the source of the events ferry sends.
	DefaultSource = "ferry"
	// Path is where ferry accepts the answers.
	Path = "/api/v1/events"
)

// Extension attribute names.
const (
	ExtContext     = "shkeptncontext"
	ExtTriggeredID = "triggeredid"
	ExtSpecVersion = "shkeptnspecversion"
	ExtGitCommitID = "gitcommitid"
	// ExtRun carries the run id (r12): an answer that has no triggeredid
	// (ferry report) names the run with it, and the task with its type.
	ExtRun = "ferryrun"
)

// SignatureHeader carries the HMAC-SHA256 of an announcement's body,
// "sha256=<hex>", when ferry is given an event secret.
const SignatureHeader = "X-Ferry-Signature"

// Phase is the last part of a Keptn event type.
type Phase string

// Phases of a task.
const (
	PhaseTriggered Phase = "triggered"
	PhaseStarted   Phase = "started"
	PhaseFinished  Phase = "finished"
)

// Type returns the event type of a task's phase,
// sh.keptn.event.<task>.<phase>.
func Type(task string, ph Phase) string { return TypePrefix + task + "." + string(ph) }

// ParseType splits a Keptn event type into its task and phase.
func ParseType(typ string) (task string, ph Phase, err error) {
	rest, ok := strings.CutPrefix(typ, TypePrefix)
	i := strings.LastIndexByte(rest, '.')
	if !ok || i <= 0 {
		return "", "", fmt.Errorf("type %q: want sh.keptn.event.<task>.started or .finished", typ)
	}
	return rest[:i], Phase(rest[i+1:]), nil
}

// Status is how a task ended (Keptn's status).
type Status string

// Statuses of a finished task.
const (
	StatusSucceeded Status = "succeeded"
	StatusErrored   Status = "errored"
	StatusAborted   Status = "aborted"
	StatusUnknown   Status = "unknown"
)

// ID names one task of one run of a project: the triggeredid of its
// announcement.
type ID struct {
	Project string
	Run     string
	// Index is the task's position in its sequence, from 0.
	Index int
	Task  string
}

// idPattern is <project>.<run>.<index>.<task>: project and task follow
// Keptn's naming rule (no dots), runs are r<n>.
var idPattern = regexp.MustCompile(`^([a-z][a-z0-9-]*)\.(r[1-9][0-9]{0,18})\.([0-9]{1,4})\.([a-z][a-z0-9-]*)$`)

// String returns the triggeredid, <project>.<run>.<index>.<task>.
func (id ID) String() string {
	return fmt.Sprintf("%s.%s.%d.%s", id.Project, id.Run, id.Index, id.Task)
}

// Context returns the shkeptncontext of the run, <project>.<run>.
func (id ID) Context() string { return id.Project + "." + id.Run }

// ParseID parses a triggeredid ferry made.
func ParseID(s string) (ID, error) {
	m := idPattern.FindStringSubmatch(s)
	if m == nil {
		return ID{}, fmt.Errorf("triggeredid %q: want <project>.<run>.<task index>.<task> as ferry sent it, e.g. sockshop.r12.1.test", status.Truncate(s, 80))
	}
	n, _ := strconv.Atoi(m[3])
	return ID{Project: m[1], Run: m[2], Index: n, Task: m[4]}, nil
}

// Data is Keptn's EventData: the fields every Keptn event carries.
type Data struct {
	Project string            `json:"project,omitempty"`
	Stage   string            `json:"stage,omitempty"`
	Service string            `json:"service,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Status  Status            `json:"status,omitempty"`
	Result  string            `json:"result,omitempty"`
	Message string            `json:"message,omitempty"`
}

// Deployment is what a .triggered event tells of the deployment under
// test, in the shape of Keptn's DeploymentFinishedEventData (plus
// gitCommit, the stage commit).
type Deployment struct {
	DeploymentURIsLocal  []string `json:"deploymentURIsLocal"`
	DeploymentURIsPublic []string `json:"deploymentURIsPublic,omitempty"`
	DeploymentNames      []string `json:"deploymentNames"`
	GitCommit            string   `json:"gitCommit,omitempty"`
}

// Window is the start and end a test's .finished event reports (Keptn's
// TestFinishedDetails), RFC 3339.
type Window struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}
