package gitstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// The wait of [Store.Update] before it fetches again: UpdateBackoff after
// the first stale push, doubling each time up to MaxUpdateBackoff, each
// wait drawn at random from its upper half so that racing writers drift
// apart.
const (
	UpdateBackoff    = 50 * time.Millisecond
	MaxUpdateBackoff = time.Second
)

// UpdateFunc computes the changes of an update from a fresh snapshot into
// b. It may be called several times, each time on a new snapshot and an
// empty batch, so it must derive everything from what it reads.
type UpdateFunc func(snap Snapshot, b *Batch) error

// UpdateResult says what [Store.Update] did.
type UpdateResult struct {
	// Snapshot is the snapshot fn saw last: the base of the push, or the
	// refs as they were when there was nothing to write.
	Snapshot Snapshot
	// Attempts counts the rounds of fetch, fn and push, at least 1.
	Attempts int
	// Push is what the successful push sent; zero when nothing was pushed.
	Push PushResult
	// Fetches are the results of each round's fetch, oldest first; a
	// round that healed the mirror holds the fetch of the rebuild.
	Fetches []FetchResult
	// Healed reports that the mirror was found corrupt and rebuilt from
	// the remote, by a fetch or after fn or the push met the damage. An
	// update heals at most once.
	Healed bool
}

// Pushed reports whether the update wrote anything.
func (r UpdateResult) Pushed() bool { return len(r.Push.Updates) > 0 }

// Update fetches, calls fn with the snapshot and a batch on top of it, and
// pushes the batch. When the push is stale because a ref moved since the
// fetch, it waits a little (see [UpdateBackoff]), fetches again and calls
// fn again, up to Options.UpdateAttempts rounds in all; the last stale
// error is returned wrapped. fn returning [ErrNoChange], or leaving the
// batch empty, means there is nothing to write: Update returns without
// pushing. When fn or the push fails because the mirror is corrupt, or a
// read of fn met corruption even though fn went on, the round heals the
// mirror ([Store.Heal]) and calls fn again on the rebuilt mirror, once per
// update. Any other error of fn, the fetch or the push ends the update
// without retrying, as does ctx.
func (s *Store) Update(ctx context.Context, fn UpdateFunc) (UpdateResult, error) {
	var res UpdateResult
	for {
		res.Attempts++
		err := s.updateOnce(ctx, fn, &res)
		switch {
		case err == nil:
			return res, nil
		case !IsStale(err):
			return res, fmt.Errorf("update: %w", err)
		case res.Attempts >= s.opts.UpdateAttempts:
			return res, fmt.Errorf("update: gave up after %d attempts: %w", res.Attempts, err)
		}
		if err := sleep(ctx, updateBackoff(res.Attempts)); err != nil {
			return res, fmt.Errorf("update: wait before attempt %d: %w", res.Attempts+1, err)
		}
	}
}

// updateOnce runs one round of [Store.Update].
func (s *Store) updateOnce(ctx context.Context, fn UpdateFunc, res *UpdateResult) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fr, err := s.Fetch(ctx)
	if err != nil {
		return err
	}
	res.Healed = res.Healed || fr.Healed
	res.Fetches = append(res.Fetches, fr)
	err = s.apply(ctx, fn, fr.Snapshot, res)
	if !IsCorrupt(err) || res.Healed {
		return err
	}
	hr, herr := s.Heal(ctx)
	if herr != nil {
		return fmt.Errorf("%w; %w", err, herr)
	}
	res.Healed = true
	res.Fetches[len(res.Fetches)-1] = hr
	return s.apply(ctx, fn, hr.Snapshot, res)
}

// apply calls fn on snap and pushes what it wrote. A round whose reads
// met corruption pushes nothing, whatever fn made of the errors.
func (s *Store) apply(ctx context.Context, fn UpdateFunc, snap Snapshot, res *UpdateResult) error {
	res.Snapshot = snap
	b := s.Begin(snap)
	err := fn(snap, b)
	if err == nil || errors.Is(err, ErrNoChange) {
		if derr := s.objs.damage(); derr != nil {
			return derr
		}
	}
	switch {
	case errors.Is(err, ErrNoChange):
		return nil
	case err != nil:
		return err
	case b.Empty():
		return nil
	}
	pr, err := s.Push(ctx, b)
	if err != nil {
		return err
	}
	res.Push = pr
	return nil
}

// updateBackoff returns the wait after the n-th stale attempt.
func updateBackoff(n int) time.Duration {
	d := MaxUpdateBackoff
	if n < 16 {
		d = min(UpdateBackoff<<(n-1), MaxUpdateBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
