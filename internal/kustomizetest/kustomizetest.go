package kustomizetest

import (
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// StagePrefix is the prefix of the stage branches CheckStageBranches reads.
const StagePrefix = "refs/heads/stage/"

// records are the files of ferry's records, which are not Kubernetes
// objects.
var records = []string{"release.yaml", "overrides.yaml"}

// CheckStageBranches builds the tip of every stage branch of the Git
// repository at dir (bare or not) with kustomize and reports, as test
// errors, each branch that fails Problems; namespace gives the namespace
// expected for a stage.
func CheckStageBranches(tb testing.TB, dir string, namespace func(stage string) string) {
	tb.Helper()
	trees, err := StageTrees(dir)
	if err != nil {
		tb.Fatalf("read the stage branches of %s: %v", dir, err)
	}
	for _, stage := range slices.Sorted(maps.Keys(trees)) {
		for _, p := range Problems(trees[stage], namespace(stage)) {
			tb.Errorf("stage/%s: %s", stage, p)
		}
	}
}

// StageTrees returns the files at the tip of every stage branch of the
// repository at dir, by stage, each by path from the branch's root.
func StageTrees(dir string) (map[string]map[string][]byte, error) {
	repo, err := git.PlainOpen(dir)
	if err != nil {
		return nil, err
	}
	refs, err := repo.References()
	if err != nil {
		return nil, err
	}
	trees := map[string]map[string][]byte{}
	err = refs.ForEach(func(r *plumbing.Reference) error {
		stage, ok := strings.CutPrefix(r.Name().String(), StagePrefix)
		if !ok || r.Type() != plumbing.HashReference {
			return nil
		}
		files, err := readTree(repo, r.Hash())
		if err != nil {
			return fmt.Errorf("%s: %w", r.Name(), err)
		}
		trees[stage] = files
		return nil
	})
	return trees, err
}

func readTree(repo *git.Repository, commit plumbing.Hash) (map[string][]byte, error) {
	c, err := repo.CommitObject(commit)
	if err != nil {
		return nil, err
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	err = tree.Files().ForEach(func(f *object.File) error {
		rd, err := f.Reader()
		if err != nil {
			return err
		}
		defer func() { _ = rd.Close() }()
		data, err := io.ReadAll(rd)
		files[f.Name] = data
		return err
	})
	return files, err
}

// Problems builds files (a branch's tree, by path from its root) with
// kustomize, from the root, as an agent does, and returns what is wrong:
// the build fails, a service directory holding manifests is not listed at
// the root, a kustomization lists one of ferry's records, an object has no
// kind or name, a namespaced object is not in namespace, or the stage's
// Namespace is missing.
func Problems(files map[string][]byte, namespace string) []string {
	fs := filesys.MakeFsInMemory()
	for name, data := range files {
		if err := fs.WriteFile("/"+name, data); err != nil {
			return []string{fmt.Sprintf("write %s: %v", name, err)}
		}
	}
	var problems []string
	problems = append(problems, listingProblems(files)...)
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/")
	if err != nil {
		return append(problems, fmt.Sprintf("kustomize build: %v", err))
	}
	sawNamespace := false
	for _, r := range res.Resources() {
		id := r.CurId()
		switch {
		case r.GetKind() == "" || r.GetApiVersion() == "" || r.GetName() == "":
			problems = append(problems, fmt.Sprintf("an object without apiVersion, kind or name: %s", id))
		case r.GetKind() == "Namespace" && r.GetApiVersion() == "v1":
			sawNamespace = sawNamespace || r.GetName() == namespace
		case !id.IsClusterScoped() && r.GetNamespace() != namespace:
			problems = append(problems, fmt.Sprintf("%s is in namespace %q, want %q", id, r.GetNamespace(), namespace))
		}
	}
	if !sawNamespace {
		problems = append(problems, fmt.Sprintf("no Namespace %q", namespace))
	}
	return problems
}

// listingProblems checks what the kustomizations list: the root every
// service directory with manifests, none of them a ferry record.
func listingProblems(files map[string][]byte) []string {
	var problems []string
	resources := map[string][]string{}
	for name, data := range files {
		if path.Base(name) != "kustomization.yaml" {
			continue
		}
		var k struct {
			Resources []string `yaml:"resources"`
		}
		if err := yaml.Unmarshal(data, &k); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		resources[path.Dir(name)] = k.Resources
		for _, r := range k.Resources {
			if slices.Contains(records, path.Base(r)) {
				problems = append(problems, fmt.Sprintf("%s lists ferry's record %s", name, r))
			}
		}
	}
	var dirs []string
	for name := range files {
		if dir, ok := strings.CutSuffix(name, "/manifests.yaml"); ok && strings.HasPrefix(dir, "services/") {
			dirs = append(dirs, dir)
		}
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		if !slices.Contains(resources["."], dir) {
			problems = append(problems, fmt.Sprintf("kustomization.yaml does not list %s", dir))
		}
	}
	return problems
}
