package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/stages"
)

// ManifestChange is the change of what a service renders to in a stage.
type ManifestChange struct {
	Stage   string `json:"stage" yaml:"stage"`
	Service string `json:"service" yaml:"service"`
	// Objects summarise the change by object, in kind/name order.
	Objects []ObjectChange `json:"objects" yaml:"objects"`
	// Diff is the unified diff of the rendered manifests.
	Diff string `json:"diff" yaml:"diff"`
	// Problem says why the base could not be rendered, when it could not
	// (the diff then shows the head's render as added), and which render
	// does not parse as YAML from which line on (the objects after it are
	// not summarised; the diff still shows them). Problems are joined by
	// "; ".
	Problem string `json:"problem,omitempty" yaml:"problem,omitempty"`
}

// ObjectChange is one Kubernetes object that differs.
type ObjectChange struct {
	// Object is kind/[namespace/]name.
	Object string `json:"object" yaml:"object"`
	// Change is added, removed or changed.
	Change ChangeKind `json:"change" yaml:"change"`
	// Images are "old → new" for each container image that changed.
	Images []string `json:"images,omitempty" yaml:"images,omitempty"`
	// Replicas is "old → new" when spec.replicas changed.
	Replicas string `json:"replicas,omitempty" yaml:"replicas,omitempty"`
}

// ChangeKind says how an object changed.
type ChangeKind string

// Kinds of object changes.
const (
	ObjectAdded   ChangeKind = "added"
	ObjectRemoved ChangeKind = "removed"
	ObjectChanged ChangeKind = "changed"
)

// manifests renders every service for every stage at the merge base and at
// the head, where an input of the render changed, and keeps the renders
// that differ.
func manifests(ctx context.Context, old, cur *stages.Project, changed []string) ([]ManifestChange, error) {
	out := []ManifestChange{}
	for _, svc := range serviceUnion(old, cur) {
		if old != nil && !renderInputsChanged(svc, changed) {
			continue
		}
		for _, stage := range stageUnion(old, cur) {
			mc := ManifestChange{Stage: stage, Service: svc, Objects: []ObjectChange{}}
			after, err := render(ctx, cur, svc, stage)
			if err != nil {
				return nil, err
			}
			before, err := render(ctx, old, svc, stage)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				mc.Problem = "the base did not render: " + err.Error()
			}
			name := fmt.Sprintf("%s/%s", stage, svc)
			mc.Diff = UnifiedDiff("a/"+name, "b/"+name, string(before), string(after))
			if mc.Diff == "" {
				continue
			}
			var problems []string
			mc.Objects, problems = summarise(string(before), string(after))
			mc.Problem = strings.Join(slices.DeleteFunc(append([]string{mc.Problem}, problems...), func(s string) bool { return s == "" }), "; ")
			out = append(out, mc)
		}
	}
	return out, nil
}

// render renders a service for a stage; nothing when the project has not
// the service or the stage.
func render(ctx context.Context, p *stages.Project, svc, stage string) ([]byte, error) {
	if p == nil || p.Services[svc] == nil || p.Shipyard.Stage(stage) == nil {
		return nil, nil
	}
	return p.RenderContext(ctx, svc, stage, nil)
}

// serviceUnion lists the services of both projects, sorted.
func serviceUnion(old, cur *stages.Project) []string {
	set := maps.Clone(cur.Services)
	if old != nil {
		maps.Copy(set, old.Services)
	}
	return slices.Sorted(maps.Keys(set))
}

// stageUnion lists the head's stages in order, then those only the base
// has.
func stageUnion(old, cur *stages.Project) []string {
	out := cur.Shipyard.StageNames()
	if old != nil {
		for _, st := range old.Shipyard.StageNames() {
			if cur.Shipyard.Stage(st) == nil {
				out = append(out, st)
			}
		}
	}
	return out
}

// renderInputsChanged reports whether a changed path is an input of the
// service's renders: its own files, or the project's name, namespaces and
// deployment strategy (shipyard.yaml, ferry.yaml).
func renderInputsChanged(svc string, changed []string) bool {
	for _, f := range changed {
		if f == stages.ShipyardFile || f == stages.ConfigFile || strings.HasPrefix(f, stages.ServicesDir+"/"+svc+"/") {
			return true
		}
	}
	return false
}

// object is one document of a render.
type object struct {
	text     string
	images   []string
	replicas string
}

// summarise compares two renders object by object; problems say which
// render does not parse from where.
func summarise(before, after string) ([]ObjectChange, []string) {
	var problems []string
	a, err := objects(before)
	if err != nil {
		problems = append(problems, "the base's render: "+err.Error())
	}
	b, err := objects(after)
	if err != nil {
		problems = append(problems, "the head's render: "+err.Error())
	}
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	out := []ObjectChange{}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		x, inA := a[k]
		y, inB := b[k]
		switch {
		case !inA:
			out = append(out, ObjectChange{Object: k, Change: ObjectAdded})
		case !inB:
			out = append(out, ObjectChange{Object: k, Change: ObjectRemoved})
		case x.text != y.text:
			oc := ObjectChange{Object: k, Change: ObjectChanged}
			if x.replicas != y.replicas {
				oc.Replicas = orNone(x.replicas) + " → " + orNone(y.replicas)
			}
			for i := 0; i < max(len(x.images), len(y.images)); i++ {
				xi, yi := at(x.images, i), at(y.images, i)
				if xi != yi {
					oc.Images = append(oc.Images, orNone(xi)+" → "+orNone(yi))
				}
			}
			out = append(out, oc)
		}
	}
	return out, problems
}

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// objects splits a render into its objects by kind/[namespace/]name. A
// document that is not an object is keyed by its position. A document that
// does not parse as YAML ends the split: the objects before it are
// returned with an error saying where.
func objects(render string) (map[string]object, error) {
	out := map[string]object{}
	dec := yaml.NewDecoder(strings.NewReader(render))
	for i := 0; ; i++ {
		var n yaml.Node
		if err := dec.Decode(&n); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("document %d does not parse, the objects from it on are not summarised: %w", i+1, err)
		}
		var m map[string]any
		if n.Decode(&m) != nil || m == nil {
			continue
		}
		text, _ := yaml.Marshal(m)
		o := object{text: string(text), images: images(m)}
		kind, _ := m["kind"].(string)
		meta, _ := m["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		key := kind + "/" + name
		if ns, _ := meta["namespace"].(string); ns != "" {
			key = kind + "/" + ns + "/" + name
		}
		if kind == "" || name == "" {
			key = fmt.Sprintf("document %d", i+1)
		}
		if spec, ok := m["spec"].(map[string]any); ok && spec["replicas"] != nil {
			o.replicas = fmt.Sprint(spec["replicas"])
		}
		out[key] = o
	}
}

// images lists the values of every "image" key of an object, in a stable
// order (sorted by path), as containers and init containers name them.
func images(v any) []string {
	found := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && k == "image" {
					found[path+"."+k] = s
					continue
				}
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s[%04d]", path, i), c)
			}
		}
	}
	walk("", v)
	paths := slices.Collect(maps.Keys(found))
	sort.Strings(paths)
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = found[p]
	}
	return out
}
