package stages

import (
	"bytes"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
)

// Files ferry maintains so that a stage branch builds with kustomize as it
// is (Flux, Argo CD, kubectl apply -k).
const (
	// KustomizationFile is at the root, listing NamespaceFile and every
	// service directory, and in each service directory, listing the
	// service's Kubernetes manifests.
	KustomizationFile = "kustomization.yaml"
	// NamespaceFile, at the root, holds the stage's Namespace.
	NamespaceFile = "namespace.yaml"
)

// Annotations on the stage's Namespace that keep agents from deleting it
// (and everything in it) when they prune.
const (
	FluxPruneAnnotation  = "kustomize.toolkit.fluxcd.io/prune"
	ArgoCDSyncAnnotation = "argocd.argoproj.io/sync-options"
)

const kustomizationHeader = "# Maintained by ferry: every commit to this branch rewrites it.\n"

// kustomization is the kustomization.yaml ferry writes.
type kustomization struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Resources  []string `yaml:"resources"`
}

func (k kustomization) marshal() []byte {
	k.APIVersion, k.Kind = "kustomize.config.k8s.io/v1beta1", "Kustomization"
	return encode(kustomizationHeader, k)
}

// encode returns header and v in YAML, indented by two spaces.
func encode(header string, v any) []byte {
	b := bytes.NewBufferString(header)
	enc := yaml.NewEncoder(b)
	enc.SetIndent(2)
	_ = enc.Encode(v) // strings, lists and maps of them always encode
	_ = enc.Close()
	return b.Bytes()
}

// RootKustomization is the kustomization.yaml at the root of a stage
// branch holding services (the directories under services/ that hold
// manifests): the stage's Namespace, then each service's directory, in
// name order.
func RootKustomization(services []string) []byte {
	k := kustomization{Resources: []string{NamespaceFile}}
	for _, svc := range slices.Sorted(slices.Values(services)) {
		k.Resources = append(k.Resources, path.Join(ServicesDir, svc))
	}
	return k.marshal()
}

// ServiceKustomization is the kustomization.yaml of a service directory
// holding files: manifests.yaml, and alerts.yaml when it is there and
// ferry.yaml says the clusters run the Prometheus Operator. ferry's
// records (release.yaml, overrides.yaml) are never listed.
func (c *Config) ServiceKustomization(files []string) []byte {
	k := kustomization{Resources: []string{}}
	if slices.Contains(files, ManifestsFile) {
		k.Resources = append(k.Resources, ManifestsFile)
	}
	if c.Alerts.PrometheusOperator && slices.Contains(files, AlertsFile) {
		k.Resources = append(k.Resources, AlertsFile)
	}
	return k.marshal()
}

// NamespaceManifest is the stage's Namespace, with the annotations that
// keep Flux and Argo CD from pruning it.
func (p *Project) NamespaceManifest(stage string) []byte {
	ns := map[string]any{
		"apiVersion": "v1",
		"kind":       "Namespace",
		"metadata": map[string]any{
			"name":        p.Namespace(stage),
			"annotations": map[string]string{FluxPruneAnnotation: "disabled", ArgoCDSyncAnnotation: "Prune=false"},
		},
	}
	return encode("# The stage's namespace, maintained by ferry; agents never prune it.\n", ns)
}

// NewStageBranch is the first commit of a stage branch nothing was
// released to, which ferry writes before it proposes a first promotion
// into the stage (a pull request needs a branch to merge into): the
// stage's Namespace and a root kustomization listing only it, so that the
// branch builds as every later commit of it does, and applying it changes
// nothing but the namespace.
func (p *Project) NewStageBranch(stage string, trailers gitstore.Trailers) gitstore.CommitRequest {
	return gitstore.CommitRequest{
		Message:  fmt.Sprintf("create stage %s\n\nA first promotion into %s waits for approval: its proposal merges into this branch.", stage, stage),
		Trailers: trailers,
		Edits:    []gitstore.Edit{gitstore.Put(NamespaceFile, p.NamespaceManifest(stage)), gitstore.Put(KustomizationFile, RootKustomization(nil))},
	}
}

// Kustomize returns edits followed by the edits that keep a stage
// branch's kustomization files right once edits are applied to the
// branch at tip (zero for a new branch): the root kustomization listing
// every service directory that holds manifests after the edits, the
// stage's Namespace, and each such service's kustomization. Branches
// written before ferry kept these files gain them on their next commit.
func (p *Project) Kustomize(rd gitstore.Reader, tip gitstore.Hash, stage string, edits []gitstore.Edit) ([]gitstore.Edit, error) {
	files, err := serviceFiles(rd, tip, edits)
	if err != nil {
		return nil, fmt.Errorf("list the services of stage %s: %w", stage, err)
	}
	var services []string
	out := slices.Clip(edits)
	// A service's kustomization depends only on its file names, which most
	// services share: encode each list once, not once per service.
	encoded := map[string][]byte{}
	for _, svc := range slices.Sorted(maps.Keys(files)) {
		if !slices.Contains(files[svc], ManifestsFile) {
			continue
		}
		services = append(services, svc)
		names := strings.Join(files[svc], "/")
		k, ok := encoded[names]
		if !ok {
			k = p.Config.ServiceKustomization(files[svc])
			encoded[names] = k
		}
		out = append(out, gitstore.Put(path.Join(ServicesDir, svc, KustomizationFile), k))
	}
	return append(out,
		gitstore.Put(NamespaceFile, p.NamespaceManifest(stage)),
		gitstore.Put(KustomizationFile, RootKustomization(services))), nil
}

// serviceFiles returns the names of the entries of each service directory
// of the branch at tip once edits are applied, by service.
func serviceFiles(rd gitstore.Reader, tip gitstore.Hash, edits []gitstore.Edit) (map[string][]string, error) {
	files := map[string][]string{}
	if !tip.IsZero() {
		var err error
		if files, err = rd.ListDirs(tip, ServicesDir); err != nil {
			return nil, err
		}
	}
	for _, e := range edits {
		parts := strings.Split(path.Clean(strings.TrimPrefix(e.Path, "/")), "/")
		switch {
		case parts[0] != ServicesDir:
		case len(parts) == 1 && e.Delete:
			clear(files)
		case len(parts) == 2 && e.Delete:
			delete(files, parts[1])
		case len(parts) >= 3 && e.Delete:
			files[parts[1]] = slices.DeleteFunc(files[parts[1]], func(n string) bool { return n == parts[2] && len(parts) == 3 })
		case len(parts) >= 3 && !slices.Contains(files[parts[1]], parts[2]):
			files[parts[1]] = append(files[parts[1]], parts[2])
		}
	}
	return files, nil
}
