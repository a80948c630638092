package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// ReportTTL is how long a report not yet consumed is kept on ferry/status
// (deployed reports are never consumed: they expire).
const ReportTTL = 24 * time.Hour

// Record writes a report to ferry/status of store, received at now, in a
// commit of its own, before the sender is told it was recorded (see
// [RecordAll]).
func Record(ctx context.Context, store *gitstore.Store, rep *Report, now time.Time) error {
	return RecordAll(ctx, store, []*Report{rep}, now)
}

// RecordAll writes the reports of one request to ferry/status of store,
// received at now, in one commit (one push), before the sender is told
// they were recorded. Every report is validated first: one invalid report
// refuses the request. The same report twice is one file, and a deployed
// report that says what the newest one still kept for its stage, service
// and commit says (the same health, received less than [ReportTTL] ago) is
// not written again, whatever its message: a replayed or repeated deploy
// signal ("Reconciliation finished in 1.2s" after every pass of an agent)
// changes nothing.
func RecordAll(ctx context.Context, store *gitstore.Store, reps []*Report, now time.Time) error {
	var errs []error
	for i, rep := range reps {
		if err := rep.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("report %d: %w", i+1, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(reps) == 0 {
		return nil
	}
	now = now.UTC()
	files := make([]reportFile, len(reps))
	for i, rep := range reps {
		rep.Received = now
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
		files[i] = reportFile{rep: rep, path: ReportPath(rep, data), data: append(data, '\n')}
	}
	ref := store.FerryRef("status")
	_, err := store.Update(ctx, func(snap gitstore.Snapshot, b *gitstore.Batch) error {
		kept, err := keptDeployed(b.Reader, snap.Get(ref), files, now)
		if err != nil {
			return err
		}
		var edits []gitstore.Edit
		for _, f := range files {
			if f.rep.Kind == ReportDeployed {
				k, health := deployKey(f.rep)
				if h, ok := kept[k]; ok && h == health {
					continue
				}
				kept[k] = health
			}
			edits = append(edits, gitstore.Put(f.path, f.data))
		}
		if len(edits) == 0 {
			return gitstore.ErrNoChange
		}
		_, err = b.Commit(ref, gitstore.CommitRequest{Message: recordMessage(reps), Edits: edits})
		return err // ErrNoChange: the same reports are already recorded
	})
	if err != nil {
		return fmt.Errorf("record report: %w", err)
	}
	return nil
}

// reportFile is a report encoded, and the path it is written to.
type reportFile struct {
	rep  *Report
	path string
	data []byte
}

// recordMessage is the message of a commit of reports: the kind and run or
// commit of a single report, the count of several.
func recordMessage(reps []*Report) string {
	if len(reps) == 1 {
		rep := reps[0]
		return flatten(fmt.Sprintf("report: %s %s%s", rep.Kind, rep.Run, rep.Commit))
	}
	return fmt.Sprintf("report: %d reports", len(reps))
}

// deployKey is what makes deployed reports about the same deployment, and
// the health they tell.
func deployKey(r *Report) (key, health string) {
	health = "unknown"
	if r.Healthy != nil {
		health = fmt.Sprint(*r.Healthy)
	}
	b, _ := json.Marshal([]string{r.Stage, r.Service, r.Commit})
	return string(b), health
}

// keptDeployed returns the health told by the newest deployed report of
// each deployment on ferry/status at commit that has not expired at now. It
// reads nothing when files hold no deployed report.
func keptDeployed(rd gitstore.Reader, commit gitstore.Hash, files []reportFile, now time.Time) (map[string]string, error) {
	kept := map[string]string{}
	if commit.IsZero() || !hasDeployed(files) {
		return kept, nil
	}
	b := &Branch{Commit: commit}
	if err := b.readReports(rd, nil); err != nil {
		return nil, err
	}
	for _, r := range b.Reports { // oldest first
		if r.Kind == ReportDeployed && now.Sub(r.Received) <= ReportTTL {
			k, health := deployKey(r)
			kept[k] = health
		}
	}
	return kept, nil
}

func hasDeployed(files []reportFile) bool {
	for _, f := range files {
		if f.rep.Kind == ReportDeployed {
			return true
		}
	}
	return false
}
