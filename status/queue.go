package status

import (
	"fmt"
	"strings"
)

// Placement says where a new run joins a slot's queue.
type Placement int

// Placements.
const (
	// Append queues the run behind the others.
	Append Placement = iota
	// Latest queues it behind the others and supersedes the waiting runs
	// of the same sequence (concurrency "latest").
	Latest
	// First puts it ahead of the waiting runs (a rollback).
	First
)

// maxSuperseded bounds the superseded candidates a slot remembers.
const maxSuperseded = 20

// ParseSuperseded reads an entry of Slot.Superseded, "<run> <candidate>
// by <candidate>" with the candidates abbreviated: the run replaced, its
// candidate and the candidate that replaced it.
func ParseSuperseded(entry string) (run, candidate, by string, ok bool) {
	f := strings.Fields(entry)
	if len(f) != 4 || f[2] != "by" {
		return "", "", "", false
	}
	return f[0], f[1], f[3], true
}

// Enqueue adds a run to the queue of (stage, svc) and returns the runs it
// superseded. A slot whose file is corrupt keeps the run in
// State.Deferred until the file reads again; deferred is then its
// corruption.
func (b *Branch) Enqueue(stage, svc string, run *Run, at Placement) (superseded []*Run, deferred *Corruption) {
	slot := b.Slot(stage, svc)
	if slot == nil {
		if b.State.Deferred == nil {
			b.State.Deferred = map[string][]*Run{}
		}
		key := SlotKey(stage, svc)
		b.State.Deferred[key] = append(b.State.Deferred[key], run)
		return nil, b.CorruptSlot(stage, svc)
	}
	switch at {
	case First:
		slot.Queue = append([]*Run{run}, slot.Queue...)
		return nil, nil
	case Latest:
		kept := slot.Queue[:0]
		for _, q := range slot.Queue {
			if q.Sequence != run.Sequence {
				kept = append(kept, q)
				continue
			}
			superseded = append(superseded, q)
			slot.Superseded = append(slot.Superseded, fmt.Sprintf("%s %s by %s", q.ID, short(q.Candidate), short(run.Candidate)))
		}
		slot.Queue = kept
		if n := len(slot.Superseded); n > maxSuperseded {
			slot.Superseded = slot.Superseded[n-maxSuperseded:]
		}
	}
	slot.Queue = append(slot.Queue, run)
	return superseded, nil
}

// ResumeDeferred moves the runs deferred for slots whose files read again
// into their queues, and returns how many slots resumed.
func (b *Branch) ResumeDeferred() int {
	n := 0
	for key, runs := range b.State.Deferred {
		stage, svc, _ := strings.Cut(key, "/")
		slot := b.Slot(stage, svc)
		if slot == nil {
			continue
		}
		slot.Queue = append(slot.Queue, runs...)
		delete(b.State.Deferred, key)
		n++
	}
	return n
}
