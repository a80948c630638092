package stages_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/stages"
)

const corpusDir = "../testdata/keptn-examples"

// corpusFiles lists the Keptn files of the corpus: every YAML file but the
// Helm charts' (Chart.yaml, values.yaml, templates), plus sli.invalid_yaml.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, p)
		rel = filepath.ToSlash(rel)
		base := filepath.Base(rel)
		if strings.Contains(rel, "/templates/") || base == "Chart.yaml" || base == "values.yaml" {
			return nil
		}
		if strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".invalid_yaml") {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestKeptnCorpus(t *testing.T) {
	files := corpusFiles(t)
	if len(files) != len(corpusWant) {
		t.Errorf("corpus has %d Keptn files, the table %d", len(files), len(corpusWant))
	}
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			want, ok := corpusWant[rel]
			if !ok {
				t.Fatalf("no expectation for %s", rel)
			}
			data, err := os.ReadFile(filepath.Join(corpusDir, rel))
			if err != nil {
				t.Fatal(err)
			}
			kind := stages.DetectKind(rel, data)
			if string(kind) != want.kind {
				t.Errorf("kind = %q, want %q", kind, want.kind)
			}
			diags := stages.ValidateFile(kind, rel, data)
			if len(diags) != len(want.diags) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(want.diags), diags.Error())
			}
			for i, d := range diags {
				got := strings.TrimPrefix(d.Error(), rel+":")
				if !strings.HasPrefix(got, want.diags[i]) {
					t.Errorf("diagnostic %d:\n got %s\nwant %s…", i, got, want.diags[i])
				}
			}
		})
	}
}

// TestSLILayeringAsKeptnDocuments merges the SLI files of Keptn's docs and
// of go-utils' tests and compares with their documented results.
func TestSLILayeringAsKeptnDocuments(t *testing.T) {
	read := func(rel string) *evaluator.SLIFile {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(corpusDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		f, d := evaluator.ParseSLI(rel, data)
		if f == nil {
			t.Fatal(d.Diagnostics().Error())
		}
		return f
	}
	docs := "keptn.github.io/extracted/content/docs/1.0.x/reference/files/sli/index_md/"
	got := evaluator.MergeSLIs(read(docs+"sli-project.yaml"), read(docs+"sli-stage.yaml"), read(docs+"sli-service.yaml"))
	if diff := cmp.Diff(read(docs+"sli-merged-expected.yaml").Indicators, got); diff != "" {
		t.Errorf("docs merge (-documented +got):\n%s", diff)
	}
	gu := "go-utils/pkg/sdk/helpers/testdata/config_client/get_slis/"
	got = evaluator.MergeSLIs(read(gu+"sli_project.yaml"), read(gu+"sli_stage.yaml"), read(gu+"sli_service.yaml"))
	if diff := cmp.Diff([]string{"sli_a", "sli_b", "sli_c", "sli_d", "sli_e", "sli_f"}, keys(got)); diff != "" {
		t.Errorf("go-utils merge names (-want +got):\n%s", diff)
	}
	for name, from := range map[string]string{"sli_b": "sli_service.yaml", "sli_e": "sli_stage.yaml", "sli_f": "sli_project.yaml"} {
		if got[name] != read(gu + from).Indicators[name] {
			t.Errorf("%s should come from %s, got %q", name, from, got[name])
		}
	}
}
