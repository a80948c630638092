package history

import (
	"sort"
	"strings"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
)

// DefaultLimit is how many transitions Read returns when Options.Limit is
// zero.
const DefaultLimit = 200

// DefaultMaxWalk is how many commits of each stage branch Read walks at
// most when Options.MaxWalk is zero.
const DefaultMaxWalk = 20000

// Entry is one transition of a service in a stage: a commit ferry made on
// the stage branch, newest first in a history.
type Entry struct {
	Stage     string    `json:"stage"`
	Time      time.Time `json:"time"`
	Commit    string    `json:"commit"`
	Task      string    `json:"task"`
	Subject   string    `json:"subject"`
	Candidate string    `json:"candidate,omitempty"`
	Run       string    `json:"run,omitempty"`
	// Verdict is the evaluation's result and score, e.g. "pass 100".
	Verdict string `json:"verdict,omitempty"`
}

// Options select the transitions Read returns.
type Options struct {
	// Service is the service whose transitions are read.
	Service string
	// Stage keeps only one stage; empty reads every stage branch.
	Stage string
	// Limit bounds the transitions returned, the newest first
	// (DefaultLimit if 0): each stage branch is walked until it gave Limit
	// of the service's commits.
	Limit int
	// MaxWalk bounds the commits walked per stage branch, however few of
	// them are the service's (DefaultMaxWalk if 0): older transitions are
	// not read.
	MaxWalk int
}

// Read returns a service's transitions across the stage branches of snap,
// newest first, with the verdicts found in the notes of snap: the newest
// opts.Limit of them. A stage branch's first parents are walked back from
// its tip until it gave Limit transitions of the service or MaxWalk
// commits were walked.
func Read(s *gitstore.Store, snap gitstore.Snapshot, opts Options) ([]Entry, error) {
	if opts.Limit <= 0 {
		opts.Limit = DefaultLimit
	}
	if opts.MaxWalk <= 0 {
		opts.MaxWalk = DefaultMaxWalk
	}
	prefix := gitstore.BranchRef(s.Options().StagePrefix)
	notes := snap.Get(s.NotesRef())
	out := []Entry{}
	for _, ref := range snap.Names(prefix) {
		stage := strings.TrimPrefix(ref, prefix)
		if opts.Stage != "" && stage != opts.Stage {
			continue
		}
		h := snap.Get(ref)
		found := 0
		for i := 0; i < opts.MaxWalk && found < opts.Limit && !h.IsZero(); i++ {
			c, err := s.Commit(h)
			if err != nil {
				return nil, err
			}
			if v, _ := c.Trailers.Get(gitstore.TrailerService); v == opts.Service {
				out = append(out, entry(s.Reader, notes, stage, c))
				found++
			}
			h = c.FirstParent()
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	if len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	return out, nil
}

func entry(rd gitstore.Reader, notes gitstore.Hash, stage string, c *gitstore.Commit) Entry {
	e := Entry{Stage: stage, Time: c.Committer.When.UTC(), Commit: c.Hash.String(), Subject: c.Subject()}
	e.Task, _ = c.Trailers.Get(gitstore.TrailerTask)
	e.Candidate, _ = c.Trailers.Get(gitstore.TrailerCandidate)
	e.Run, _ = c.Trailers.Get(gitstore.TrailerRun)
	if note, err := rd.Note(notes, c.Hash); err == nil {
		if rec, err := evaluator.ParseRecord(note); err == nil && rec.Result != "" {
			e.Verdict = rec.Result + " " + evaluator.FormatScore(rec.Score)
		}
	}
	return e
}

// Of keeps the entries of a stage commit or of a candidate (a main commit).
func Of(entries []Entry, sha string) []Entry {
	out := []Entry{}
	for _, e := range entries {
		if e.Commit == sha || e.Candidate == sha {
			out = append(out, e)
		}
	}
	return out
}
