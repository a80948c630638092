package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSummariseObjects(t *testing.T) {
	nsCM := func(ns, v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: carts\n  namespace: " + ns + "\ndata:\n  a: " + v + "\n"
	}
	for _, tc := range []struct {
		name          string
		before, after string
		want          []ObjectChange
		problems      []string
	}{{
		name:   "same name in two namespaces",
		before: nsCM("dev", "1") + "---\n" + nsCM("prod", "1"),
		after:  nsCM("dev", "1") + "---\n" + nsCM("prod", "2"),
		want:   []ObjectChange{{Object: "ConfigMap/prod/carts", Change: ObjectChanged}},
	}, {
		name:   "no namespace",
		before: "",
		after:  "kind: Service\nmetadata:\n  name: carts\n",
		want:   []ObjectChange{{Object: "Service/carts", Change: ObjectAdded}},
	}, {
		name:     "a document that does not parse",
		before:   "kind: Service\nmetadata:\n  name: carts\n",
		after:    "kind: Service\nmetadata:\n  name: carts\n---\nkind: [oops\n---\nkind: Deployment\nmetadata:\n  name: carts\n",
		want:     []ObjectChange{},
		problems: []string{"the head's render: document 2 does not parse, the objects from it on are not summarised: yaml: line"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := summarise(tc.before, tc.after)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if len(problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %q", problems, tc.problems)
			}
			for i := range problems {
				if !strings.HasPrefix(problems[i], tc.problems[i]) {
					t.Errorf("problem %q, want it to start with %q", problems[i], tc.problems[i])
				}
			}
		})
	}
}
