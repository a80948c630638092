package stages_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/stages"
)

// The fields of the agents' CRDs that docs/agents.md uses, named as in
// the CRDs' schemas: a misspelt or misplaced field fails to decode.
type (
	objectMeta struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	}
	// fluxGitRepository is source.toolkit.fluxcd.io/v1 GitRepository.
	fluxGitRepository struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   objectMeta `yaml:"metadata"`
		Spec       struct {
			Interval string `yaml:"interval"`
			URL      string `yaml:"url"`
			Ref      struct {
				Branch string `yaml:"branch"`
				Tag    string `yaml:"tag"`
				Commit string `yaml:"commit"`
			} `yaml:"ref"`
			SecretRef struct {
				Name string `yaml:"name"`
			} `yaml:"secretRef"`
			Timeout string `yaml:"timeout"`
		} `yaml:"spec"`
	}
	// fluxKustomization is kustomize.toolkit.fluxcd.io/v1 Kustomization.
	fluxKustomization struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   objectMeta `yaml:"metadata"`
		Spec       struct {
			Interval  string `yaml:"interval"`
			SourceRef struct {
				Kind      string `yaml:"kind"`
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"sourceRef"`
			Path            string `yaml:"path"`
			Prune           bool   `yaml:"prune"`
			Wait            bool   `yaml:"wait"`
			Timeout         string `yaml:"timeout"`
			TargetNamespace string `yaml:"targetNamespace"`
		} `yaml:"spec"`
	}
	// argoApplication is argoproj.io/v1alpha1 Application.
	argoApplication struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   objectMeta `yaml:"metadata"`
		Spec       struct {
			Project string `yaml:"project"`
			Source  struct {
				RepoURL        string `yaml:"repoURL"`
				TargetRevision string `yaml:"targetRevision"`
				Path           string `yaml:"path"`
			} `yaml:"source"`
			Destination struct {
				Server    string `yaml:"server"`
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"destination"`
			SyncPolicy struct {
				Automated struct {
					Prune    bool `yaml:"prune"`
					SelfHeal bool `yaml:"selfHeal"`
				} `yaml:"automated"`
				SyncOptions []string `yaml:"syncOptions"`
			} `yaml:"syncPolicy"`
		} `yaml:"spec"`
	}
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestAgentRecipes: the Flux and Argo CD objects of docs/agents.md use
// their CRDs' fields and sync stage/production, from its root, into the
// namespace ferry renders it into, pruning; the root kustomization shown
// is the one ferry writes.
func TestAgentRecipes(t *testing.T) {
	doc, err := os.ReadFile("../docs/agents.md")
	if err != nil {
		t.Fatal(err)
	}
	p := loadProject(t, loadTxtar(t, "sockshop.txtar"))
	ns := p.Config.Namespace("sockshop", "production")
	const branch = "stage/production"
	var repo *fluxGitRepository
	var ks *fluxKustomization
	var app *argoApplication
	for _, m := range yamlBlock.FindAllSubmatch(doc, -1) {
		dec := yaml.NewDecoder(bytes.NewReader(m[1]))
		for {
			var raw yaml.Node
			if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("docs/agents.md: %v", err)
			}
			var head struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
			}
			if err := raw.Decode(&head); err != nil {
				t.Fatal(err)
			}
			var target any
			switch head.APIVersion + " " + head.Kind {
			case "source.toolkit.fluxcd.io/v1 GitRepository":
				repo = &fluxGitRepository{}
				target = repo
			case "kustomize.toolkit.fluxcd.io/v1 Kustomization":
				ks = &fluxKustomization{}
				target = ks
			case "argoproj.io/v1alpha1 Application":
				app = &argoApplication{}
				target = app
			case "kustomize.config.k8s.io/v1beta1 Kustomization":
				if diff := cmp.Diff(string(stages.RootKustomization([]string{"carts-db", "carts"})), string(m[1])); diff != "" {
					t.Errorf("the root kustomization shown is not ferry's (-ferry +doc):\n%s", diff)
				}
				continue
			default:
				t.Fatalf("docs/agents.md: unexpected %s %s", head.APIVersion, head.Kind)
			}
			if err := strictDecode(&raw, target); err != nil {
				t.Errorf("docs/agents.md: %s %s: %v", head.APIVersion, head.Kind, err)
			}
		}
	}
	if repo == nil || ks == nil || app == nil {
		t.Fatalf("docs/agents.md lacks a recipe: GitRepository %v, Kustomization %v, Application %v", repo != nil, ks != nil, app != nil)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"GitRepository branch", repo.Spec.Ref.Branch, branch},
		{"Kustomization source", ks.Spec.SourceRef.Kind + "/" + ks.Spec.SourceRef.Name, "GitRepository/" + repo.Metadata.Name},
		{"Kustomization path", strings.TrimSuffix(ks.Spec.Path, "/"), "."},
		{"Kustomization prune", ks.Spec.Prune, true},
		{"Kustomization targetNamespace", ks.Spec.TargetNamespace, ns},
		{"Application targetRevision", app.Spec.Source.TargetRevision, branch},
		{"Application path", app.Spec.Source.Path, "."},
		{"Application destination namespace", app.Spec.Destination.Namespace, ns},
		{"Application prune", app.Spec.SyncPolicy.Automated.Prune, true},
		{"same repository", app.Spec.Source.RepoURL, repo.Spec.URL},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	for _, want := range []string{stages.FluxPruneAnnotation + ": disabled", stages.ArgoCDSyncAnnotation + ": Prune=false"} {
		if !bytes.Contains(p.NamespaceManifest("production"), []byte(want)) || !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the Namespace and docs/agents.md should both carry %q", want)
		}
	}
}

// strictDecode decodes n into v, failing on fields v does not have.
func strictDecode(n *yaml.Node, v any) error {
	out, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	return dec.Decode(v)
}
