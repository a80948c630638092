package event

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// Wait is a task of a run that waits for an answer: a test without a
// duration or an external task.
type Wait struct {
	ID      ID
	Stage   string
	Service string
	// Run is the run as ferry/status holds it.
	Run *status.Run
	// Properties are the task's properties in the shipyard at the
	// candidate commit.
	Properties map[string]any
	// Namespace is the stage's namespace.
	Namespace string
	// Subscribers are the URLs the announcement goes to.
	Subscribers []string
	// Reported is set when a report for the task is on ferry/status and
	// not yet consumed by a pass.
	Reported bool

	rd *gitstore.Reader // reads the stage commit's manifests
}

// ProjectAt returns the project at a commit (stages.Cache.At).
type ProjectAt func(gitstore.Hash) (*stages.Project, error)

// Sentinel errors of [Find] and [Answer.Check].
var (
	// ErrUnknownRun: ferry/status holds no such run.
	ErrUnknownRun = errors.New("unknown run")
	// ErrNotWaiting: the run does not wait for an answer on that task.
	ErrNotWaiting = errors.New("not waiting")
)

// Waits returns the tasks every run in st waits an answer on that has a
// subscriber, by slot order. Subscriptions are read from ferry.yaml at
// main (main, when it can be read; else at the run's candidate), like
// holds: a new subscriber hears of the waits in flight. Everything else is
// read at the run's candidate commit.
func Waits(st *status.Branch, main *stages.Project, at ProjectAt, rd gitstore.Reader) []Wait {
	if st == nil {
		return nil
	}
	var out []Wait
	for _, k := range st.Keys() {
		slot := st.Slots[k]
		w, err := wait(slot, slot.Current, at)
		if err != nil {
			continue
		}
		subs := main
		if subs == nil {
			if subs, err = at(gitstore.NewHash(w.Run.Candidate)); err != nil {
				continue
			}
		}
		w.Subscribers = subscribers(subs.Config, w.ID.Task, slot.Stage)
		if len(w.Subscribers) > 0 {
			w.rd = &rd
			out = append(out, *w)
		}
	}
	return out
}

// subscribers returns the URLs subscribed to a task in a stage.
func subscribers(c *stages.Config, task, stage string) []string {
	var urls []string
	for _, s := range c.Subscriptions {
		if slices.Contains(s.Tasks, task) && (len(s.Stages) == 0 || slices.Contains(s.Stages, stage)) && !slices.Contains(urls, s.URL) {
			urls = append(urls, s.URL)
		}
	}
	return urls
}

// wait returns what run, in flight in slot, waits an answer on.
func wait(slot *status.Slot, run *status.Run, at ProjectAt) (*Wait, error) {
	if run == nil {
		return nil, ErrUnknownRun
	}
	if run.Waiting != status.WaitTestReport && run.Waiting != status.WaitReport {
		what := "it runs " + run.TaskName
		if run.Waiting != "" {
			what = fmt.Sprintf("its task %s waits for %s", run.TaskName, run.Waiting)
		}
		return nil, fmt.Errorf("run %s waits for no answer (%s): %w", run.ID, what, ErrNotWaiting)
	}
	proj, err := at(gitstore.NewHash(run.Candidate))
	if err != nil {
		return nil, fmt.Errorf("run %s: read the project at %s: %w", run.ID, gitstore.ShortSHA(run.Candidate), ErrNotWaiting)
	}
	seq := proj.Shipyard.Sequence(slot.Stage, run.Sequence)
	if seq == nil || run.Task >= len(seq.Tasks) {
		return nil, fmt.Errorf("run %s: the shipyard at %s has no task %d in %s: %w", run.ID, gitstore.ShortSHA(run.Candidate), run.Task, run.Sequence, ErrNotWaiting)
	}
	task := seq.Tasks[run.Task]
	return &Wait{
		ID:    ID{Project: proj.Name, Run: run.ID, Index: run.Task, Task: task.Name},
		Stage: slot.Stage, Service: slot.Service, Run: run,
		Properties: task.Properties, Namespace: proj.Config.Namespace(proj.Name, slot.Stage),
	}, nil
}

// Find returns what run waits an answer on, as ferry/status reads in the
// store's mirror: [ErrUnknownRun] when no slot holds the run, an error
// wrapping [ErrNotWaiting] (with the reason) when it waits for no answer.
func Find(store *gitstore.Store, at ProjectAt, run string) (*Wait, error) {
	snap, err := store.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("read the mirror: %w", err)
	}
	st, err := status.Read(store.Reader, snap.Get(store.FerryRef("status")), nil)
	if err != nil {
		return nil, fmt.Errorf("read ferry/status: %w", err)
	}
	for _, k := range st.Keys() {
		slot := st.Slots[k]
		if slot.Current != nil && slot.Current.ID == run {
			w, err := wait(slot, slot.Current, at)
			if err != nil {
				return nil, err
			}
			w.Reported = slices.ContainsFunc(st.Reports, func(r *status.Report) bool {
				return r.Run == run && (r.Kind == status.ReportTest && w.ID.Task == stages.TaskTest || r.Kind == status.ReportTask && r.Task == w.ID.Task)
			})
			return w, nil
		}
		if slices.ContainsFunc(slot.Queue, func(r *status.Run) bool { return r.ID == run }) {
			return nil, fmt.Errorf("run %s is queued in %s for %s: %w", run, slot.Stage, slot.Service, ErrNotWaiting)
		}
		if slot.Last != nil && slot.Last.ID == run {
			return nil, fmt.Errorf("run %s finished (%s): %w", run, slot.Last.Result, ErrNotWaiting)
		}
	}
	return nil, fmt.Errorf("run %s is not in flight: %w", run, ErrUnknownRun)
}

// Deployment returns what the stage commit of the run deploys: the names
// of its workloads and the cluster-local URLs of its Services, read from
// the rendered manifests. Public URLs are not known to ferry.
func (w *Wait) Deployment() Deployment {
	d := Deployment{GitCommit: w.Run.StageCommit, DeploymentURIsLocal: []string{}, DeploymentNames: []string{}}
	if w.Run.StageCommit == "" || w.rd == nil {
		return d
	}
	data, err := w.rd.ReadFile(gitstore.NewHash(w.Run.StageCommit), path.Join(stages.ServicesDir, w.Service, stages.ManifestsFile))
	if err != nil {
		return d
	}
	for doc := range bytes.SplitSeq(data, []byte("\n---")) {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
			Spec struct {
				Ports []struct {
					Port int `json:"port"`
				} `json:"ports"`
			} `json:"spec"`
		}
		if yaml.Unmarshal(doc, &obj) != nil || obj.Metadata.Name == "" {
			continue
		}
		ns := obj.Metadata.Namespace
		if ns == "" {
			ns = w.Namespace
		}
		switch obj.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "Rollout":
			d.DeploymentNames = append(d.DeploymentNames, obj.Metadata.Name)
		case "Service":
			for _, p := range obj.Spec.Ports {
				d.DeploymentURIsLocal = append(d.DeploymentURIsLocal, "http://"+obj.Metadata.Name+"."+ns+":"+strconv.Itoa(p.Port))
			}
		}
	}
	return d
}

// Labels are the labels of the announcement: what Keptn's labels carried
// for a sequence, ferry's way.
func (w *Wait) Labels() map[string]string {
	l := map[string]string{"candidate": w.Run.Candidate, "sequence": w.Run.Sequence}
	if v := w.Run.Version(); v != "" {
		l["version"] = v
	}
	return l
}

// Until is when the wait times out.
func (w *Wait) Until() time.Time { return w.Run.Until }
