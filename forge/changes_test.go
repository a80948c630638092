package forge_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/forge"
)

// The calls that put a plan on a pull request: list the open requests
// into main, find ferry's comment by its marker, edit it, set the commit
// status — as each forge documents them.
func TestPlanCalls(t *testing.T) {
	tok := tokenFile(t, "t0k3n")
	tests := []struct {
		kind, file, prefix string
		url, ref, target   string
		comment            int64
	}{
		{forge.GitHub, "plan-github.json", "", "https://github.com/team/delivery/pull/21", "refs/pull/21/head", "https://github.com/team/delivery/pull/21#issuecomment-2", 2},
		{forge.GitLab, "plan-gitlab.json", "/api/v4", "https://gitlab.example.com/team/delivery/-/merge_requests/21", "refs/merge-requests/21/head", "https://gitlab.example.com/team/delivery/-/merge_requests/21#note_302", 302},
		{forge.Gitea, "plan-gitea.json", "/api/v1", "https://gitea.example.com/team/delivery/pulls/21", "refs/pull/21/head", "https://gitea.example.com/team/delivery/pulls/21#issuecomment-41", 41},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			base, answered := replay(t, tt.file)
			c, err := forge.New(forge.Options{Kind: tt.kind, API: base + tt.prefix, Repo: "team/delivery", TokenFile: tok, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			changes, err := c.OpenInto(ctx, "main")
			if err != nil {
				t.Fatal(err)
			}
			want := []forge.Change{{Number: 21, URL: tt.url, Title: "Tighten production's SLO", Head: "tighten-slo", HeadSHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e", Ref: tt.ref}}
			if diff := cmp.Diff(want, changes); diff != "" {
				t.Errorf("OpenInto (-want +got):\n%s", diff)
			}
			cm, ok, err := c.FindComment(ctx, 21, "ferry-bot", "<!-- ferry-plan -->")
			if err != nil || !ok || cm.ID != tt.comment {
				t.Fatalf("FindComment = %+v, %v, %v", cm, ok, err)
			}
			if err := c.EditComment(ctx, 21, cm.ID, "<!-- ferry-plan -->\nnew plan"); err != nil {
				t.Error(err)
			}
			if err := c.SetStatus(ctx, want[0].HeadSHA, forge.Status{State: forge.StatusFailure, Context: "ferry/plan", Description: "the head does not validate", TargetURL: tt.target, Ref: "tighten-slo"}); err != nil {
				t.Error(err)
			}
			if diff := cmp.Diff([]string{"list", "comments", "edit", "status"}, answered()); diff != "" {
				t.Errorf("asked (-want +got):\n%s", diff)
			}
		})
	}
}
