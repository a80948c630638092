package plan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/yamlfile"
	"github.com/ferrycd/ferry/plan"
)

// sizedPlan is a valid plan with diffs of the given numbers of lines.
func sizedPlan(lines ...int) *plan.Plan {
	p := &plan.Plan{Base: strings.Repeat("b", 40), Head: strings.Repeat("h", 40), MergeBase: strings.Repeat("b", 40), Diagnostics: yamlfile.Diagnostics{}}
	for i, n := range lines {
		var d strings.Builder
		for j := range n {
			fmt.Fprintf(&d, "+  line %05d of a long rendered manifest, padded to be wide enough\n", j)
		}
		p.Manifests = append(p.Manifests, plan.ManifestChange{
			Stage: fmt.Sprintf("stage%d", i), Service: "carts", Diff: d.String(),
			Objects: []plan.ObjectChange{{Object: "Deployment/shop/carts", Change: plan.ObjectChanged, Images: []string{"carts:1 → carts:2"}}},
		})
	}
	return p
}

func TestMarkdownStaysWithinTheLimit(t *testing.T) {
	// One line of a diff; find how many lines make the comment exactly
	// MaxMarkdown bytes.
	line := len(sizedPlan(1).Markdown()) - len(sizedPlan(0).Markdown())
	empty := len(sizedPlan(0).Markdown())
	atLimit := (plan.MaxMarkdown - empty) / line
	pad := plan.MaxMarkdown - empty - atLimit*line // bytes left for a shorter diff line

	exact := sizedPlan(atLimit)
	exact.Manifests[0].Diff += strings.Repeat("x", pad-1) + "\n"
	if n := len(exact.Markdown()); n != plan.MaxMarkdown {
		t.Fatalf("the exact plan is %d bytes, want %d", n, plan.MaxMarkdown)
	}
	over := sizedPlan(atLimit)
	over.Manifests[0].Diff += strings.Repeat("x", pad) + "\n"

	for _, tc := range []struct {
		name    string
		p       *plan.Plan
		cut     []string // the "… N more lines" notes, in order
		summary int      // summaries of manifests expected
	}{
		{"small", sizedPlan(10, 10), nil, 2},
		{"at the limit", exact, nil, 1},
		{"one byte over", over, []string{"… 2 more lines"}, 1},
		{"many large diffs", sizedPlan(2000, 2000, 2000, 2000), []string{"… 1", "… 2000 more lines", "… 2000 more lines", "… 2000 more lines"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := tc.p.Markdown()
			if len(md) > plan.MaxMarkdown {
				t.Fatalf("%d bytes, over %d", len(md), plan.MaxMarkdown)
			}
			if got := strings.Count(md, "Deployment/shop/carts changed: image carts:1 → carts:2"); got != tc.summary {
				t.Errorf("%d manifest summaries, want %d", got, tc.summary)
			}
			if got := strings.Count(md, "</details>"); got != len(tc.p.Manifests) {
				t.Errorf("%d diffs, want %d", got, len(tc.p.Manifests))
			}
			notes := strings.Count(md, "more lines (run ferry plan locally for the whole diff)")
			if notes != len(tc.cut) {
				t.Fatalf("%d cut notes, want %d:\n%s", notes, len(tc.cut), md[max(0, len(md)-2000):])
			}
			rest := md
			for _, c := range tc.cut {
				i := strings.Index(rest, c)
				if i < 0 {
					t.Fatalf("no %q in order", c)
				}
				rest = rest[i+len(c):]
			}
			if !strings.HasSuffix(md, "No changes.\n") {
				t.Errorf("the last section is lost:\n%s", md[max(0, len(md)-300):])
			}
		})
	}
}
