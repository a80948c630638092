package gitstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func TestUpdate(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		// attempts is Options.UpdateAttempts; 0 keeps the default.
		attempts int
		// race lists the calls of fn (from 1) before which CI pushes to main.
		race []int
		// cancel is the call of fn that cancels the context; 0 never.
		cancel int
		// empty makes fn write nothing.
		empty bool
		// write is what fn does after writing ferry.txt on main.
		write        func(snap gitstore.Snapshot, b *gitstore.Batch) error
		wantCalls    int
		wantErr      error
		wantErrText  string
		wantPushed   bool
		wantMainMsgs string // git log --format=%s main, newest first
	}{
		{
			name: "no race", wantCalls: 1, wantPushed: true,
			wantMainMsgs: "ferry 1\nseed",
		},
		{
			name: "a racing writer moves main: fn again on top of it", race: []int{1}, wantCalls: 2, wantPushed: true,
			wantMainMsgs: "ferry 2\nci 1\nseed",
		},
		{
			name: "attempts exhausted", attempts: 3, race: []int{1, 2, 3}, wantCalls: 3,
			wantErr: gitstore.ErrStale, wantErrText: "update: gave up after 3 attempts: push",
			wantMainMsgs: "ci 3\nci 2\nci 1\nseed",
		},
		{
			name: "cancelled while retrying", race: []int{1}, cancel: 1, wantCalls: 1, wantErr: context.Canceled,
			wantMainMsgs: "ci 1\nseed",
		},
		{
			name:      "fn fails: nothing pushed",
			write:     func(gitstore.Snapshot, *gitstore.Batch) error { return boom },
			wantCalls: 1, wantErr: boom, wantMainMsgs: "seed",
		},
		{name: "fn writes nothing", empty: true, wantCalls: 1, wantMainMsgs: "seed"},
		{
			name: "fn reports no change", wantCalls: 1, wantMainMsgs: "seed",
			write: func(snap gitstore.Snapshot, b *gitstore.Batch) error {
				return fmt.Errorf("nothing to do: %w", gitstore.ErrNoChange)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := seeded(t)
			s := openStore(t, srv.URL, func(o *gitstore.Options) { o.UpdateAttempts = tt.attempts })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			res, err := s.Update(ctx, func(snap gitstore.Snapshot, b *gitstore.Batch) error {
				calls++
				for _, r := range tt.race {
					if r == calls {
						gittest.CommitFiles(t, srv.Dir, "main", fmt.Sprintf("ci %d", calls), gittest.Files{"ci.txt": gittest.Text(fmt.Sprint(calls))})
					}
				}
				if calls == tt.cancel {
					cancel()
				}
				if tt.empty {
					return nil
				}
				if _, err := b.Commit(s.MainRef(), gitstore.CommitRequest{
					Message: fmt.Sprintf("ferry %d", calls),
					Edits:   []gitstore.Edit{gitstore.Put("ferry.txt", []byte(snap.Get(s.MainRef()).String()))},
				}); err != nil {
					return err
				}
				if tt.write != nil {
					return tt.write(snap, b)
				}
				return nil
			})
			if !errors.Is(err, tt.wantErr) || !strings.Contains(fmt.Sprint(err), tt.wantErrText) {
				t.Fatalf("Update = %v, want %v saying %q", err, tt.wantErr, tt.wantErrText)
			}
			if calls != tt.wantCalls || res.Attempts != tt.wantCalls {
				t.Errorf("fn called %d times in %d attempts, want %d", calls, res.Attempts, tt.wantCalls)
			}
			if res.Pushed() != tt.wantPushed || (res.Push.Bytes > 0) != tt.wantPushed {
				t.Errorf("pushed = %v (%d bytes), want %v", res.Pushed(), res.Push.Bytes, tt.wantPushed)
			}
			if !tt.wantPushed && srv.Pushes() != 0 {
				t.Errorf("server saw %d pushes, want none", srv.Pushes())
			}
			msgs := gittest.Git(t, srv.Dir, "log", "--format=%s", "main")
			msgs = strings.Replace(msgs, "seed: a small ferry project", "seed", 1)
			if diff := cmp.Diff(tt.wantMainMsgs, msgs); diff != "" {
				t.Errorf("main (-want +got):\n%s", diff)
			}
			if tt.wantPushed {
				// fn's last run built on the snapshot Update reports, which
				// holds every racing commit.
				base := res.Snapshot.Get(s.MainRef())
				if got := gittest.Git(t, srv.Dir, "show", "main:ferry.txt"); got != base.String() {
					t.Errorf("ferry.txt = %s, want the base %s", got, base)
				}
				if parent := gittest.Git(t, srv.Dir, "rev-parse", "main^"); parent != base.String() {
					t.Errorf("main^ = %s, want %s", parent, base)
				}
			}
		})
	}
}

func TestUpdateRespectsCancelledContext(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := s.Update(ctx, func(gitstore.Snapshot, *gitstore.Batch) error {
		t.Error("fn called with a cancelled context")
		return nil
	})
	if !errors.Is(err, context.Canceled) || res.Attempts != 1 {
		t.Errorf("Update = %+v, %v; want context.Canceled after 1 attempt", res, err)
	}
}
