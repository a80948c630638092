package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/internal/yamlfile"
)

// DefaultNamespace is the namespace of a Project whose file names none.
const DefaultNamespace = "default"

// The patterns of the Project's schema (api/v1alpha1's markers), checked
// here as the API server checks them.
var (
	urlPattern         = regexp.MustCompile(`^((https?|ssh|git)://[^\s]+|[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:[^\s]+)$`)
	httpPattern        = regexp.MustCompile(`^https?://[^\s]+$`)
	stagePrefixPattern = regexp.MustCompile(`^[^\s~^:?*\[\\]+$`)
	repoPattern        = regexp.MustCompile(`^[^/\s]+(/[^/\s]+)+$`)
	intervalPattern    = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`)
	namePattern        = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// metadataFields are the fields of a Project's metadata a file may set.
var metadataFields = map[string]bool{"name": true, "namespace": true, "labels": true, "annotations": true}

// LoadConfig reads the Project objects of a file: YAML documents separated
// by ---, each a Project as kubectl would apply it. Every problem is
// reported with its file, line and column, and no Project is returned
// when there is one. Defaults are applied as the API server applies them.
func LoadConfig(file string, data []byte) ([]v1alpha1.Project, yamlfile.Diagnostics) {
	c := &checker{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []v1alpha1.Project
	seen := map[string]int{}
	for i := 0; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			c.diags = append(c.diags, yamlfile.Diagnostic{File: file, Line: 1, Column: 1, Severity: yamlfile.SeverityError, Message: fmt.Sprintf("read document %d: %v", i+1, err)})
			return nil, c.diags
		}
		before := len(c.diags)
		p := c.project(&n)
		if len(c.diags) > before {
			continue
		}
		key := p.Namespace + "/" + p.Name
		if line, dup := seen[key]; dup {
			c.errorf(&n, "Project %s is also defined at line %d", key, line)
			continue
		}
		seen[key] = n.Line
		out = append(out, p)
	}
	if len(out) == 0 && len(c.diags) == 0 {
		c.diags = append(c.diags, yamlfile.Diagnostic{File: file, Line: 1, Column: 1, Severity: yamlfile.SeverityError, Message: "no Project in the file"})
	}
	if c.diags.HasErrors() {
		return nil, c.diags
	}
	return out, nil
}

// checker checks one document against the Project type.
type checker struct {
	file  string
	diags yamlfile.Diagnostics
}

func (c *checker) errorf(n *yaml.Node, format string, args ...any) {
	c.diags = append(c.diags, yamlfile.Diagnostic{File: c.file, Line: n.Line, Column: n.Column, Severity: yamlfile.SeverityError, Message: fmt.Sprintf(format, args...)})
}

// project decodes and checks one document; its problems are added to
// c.diags.
func (c *checker) project(n *yaml.Node) v1alpha1.Project {
	var p v1alpha1.Project
	root := n
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		c.errorf(root, "a Project is a mapping")
		return p
	}
	before := len(c.diags)
	if c.walk(root, reflect.TypeOf(p), ""); len(c.diags) > before {
		return p
	}
	var v any
	if err := root.Decode(&v); err != nil {
		c.errorf(root, "%v", err)
		return p
	}
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, &p)
	}
	if err != nil {
		c.errorf(c.at(root, typeErrorPath(err)), "%v", err)
		return p
	}
	c.check(root, &p)
	return p
}

// walk reports keys the type does not have, aliases, and mappings and
// sequences where the type wants something else.
func (c *checker) walk(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		c.errorf(n, "anchors and aliases are not allowed in a Project")
		return
	}
	switch {
	case t == reflect.TypeOf(metav1.Duration{}):
		if n.Kind != yaml.ScalarNode || !intervalPattern.MatchString(n.Value) {
			c.errorf(n, "%s %q: want a duration such as 30s, 5m or 1h", strings.TrimPrefix(path, "."), n.Value)
		}
	case t == reflect.TypeOf(metav1.ObjectMeta{}):
		if n.Kind != yaml.MappingNode {
			c.errorf(n, "%s: want a mapping", path)
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !metadataFields[k.Value] {
				c.errorf(k, "%s.%s: not read by ferry (a Project's metadata sets name, namespace, labels and annotations)", path, k.Value)
			}
		}
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.errorf(n, "%s: want a mapping", strings.TrimPrefix(path, "."))
			return
		}
		fields := jsonFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				c.errorf(k, "%s: unknown field (known: %s)", strings.TrimPrefix(path+"."+k.Value, "."), strings.Join(sortedNames(fields), ", "))
				continue
			}
			c.walk(v, ft, path+"."+k.Value)
		}
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.errorf(n, "%s: want a mapping", strings.TrimPrefix(path, "."))
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.errorf(n, "%s: want a list", strings.TrimPrefix(path, "."))
		}
	default:
		if n.Kind != yaml.ScalarNode {
			c.errorf(n, "%s: want a %s", strings.TrimPrefix(path, "."), t.Kind())
		}
	}
}

// check applies the schema's defaults and checks to a decoded Project.
func (c *checker) check(root *yaml.Node, p *v1alpha1.Project) {
	if p.APIVersion != v1alpha1.GroupVersion.String() || p.Kind != v1alpha1.ProjectKind {
		c.errorf(root, "want apiVersion: %s and kind: %s, got %q and %q", v1alpha1.GroupVersion, v1alpha1.ProjectKind, p.APIVersion, p.Kind)
	}
	if p.Namespace == "" {
		p.Namespace = DefaultNamespace
	}
	if !namePattern.MatchString(p.Name) {
		c.errorf(c.at(root, "metadata.name"), "metadata.name %q: want a DNS label (lower-case letters, digits and -)", p.Name)
	}
	if !namePattern.MatchString(p.Namespace) {
		c.errorf(c.at(root, "metadata.namespace"), "metadata.namespace %q: want a DNS label", p.Namespace)
	}
	s := &p.Spec
	if !urlPattern.MatchString(s.Repository.URL) {
		c.errorf(c.at(root, "spec.repository.url"), "spec.repository.url %q: want an http(s)://, ssh:// or git:// URL, or user@host:path", s.Repository.URL)
	}
	if c.present(root, "spec.repository.ref") && s.Repository.Ref == "" {
		c.errorf(c.at(root, "spec.repository.ref"), "spec.repository.ref: must not be empty")
	}
	s.Repository.Ref = defaultString(s.Repository.Ref, v1alpha1.DefaultRef)
	if c.present(root, "spec.stagePrefix") && !stagePrefixPattern.MatchString(s.StagePrefix) {
		c.errorf(c.at(root, "spec.stagePrefix"), "spec.stagePrefix %q: not a branch name prefix", s.StagePrefix)
	}
	s.StagePrefix = defaultString(s.StagePrefix, v1alpha1.DefaultStagePrefix)
	if s.Interval.Duration <= 0 {
		s.Interval = metav1.Duration{Duration: v1alpha1.DefaultInterval}
	}
	if s.Prometheus != nil && !httpPattern.MatchString(s.Prometheus.URL) {
		c.errorf(c.at(root, "spec.prometheus.url"), "spec.prometheus.url %q: want an http(s):// URL", s.Prometheus.URL)
	}
	if f := s.Forge; f != nil {
		switch f.Kind {
		case v1alpha1.ForgeGitHub, v1alpha1.ForgeGitLab, v1alpha1.ForgeGitea:
		default:
			c.errorf(c.at(root, "spec.forge.kind"), "spec.forge.kind %q: want github, gitlab or gitea", f.Kind)
		}
		if !httpPattern.MatchString(f.API) {
			c.errorf(c.at(root, "spec.forge.api"), "spec.forge.api %q: want an http(s):// URL", f.API)
		}
		if !repoPattern.MatchString(f.Repo) {
			c.errorf(c.at(root, "spec.forge.repo"), "spec.forge.repo %q: want owner/name", f.Repo)
		}
		if f.SecretRef.Name == "" {
			c.errorf(c.at(root, "spec.forge.secretRef.name"), "spec.forge.secretRef.name: required (the Secret holding the forge's token)")
		}
	}
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// at returns the node at a dotted path, or the deepest one on its way.
func (c *checker) at(root *yaml.Node, path string) *yaml.Node {
	n := root
	for _, key := range strings.Split(path, ".") {
		next := child(n, key)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

func (c *checker) present(root *yaml.Node, path string) bool {
	n := root
	for _, key := range strings.Split(path, ".") {
		if n = child(n, key); n == nil {
			return false
		}
	}
	return true
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// typeErrorPath is the dotted path of a JSON type error, or "".
func typeErrorPath(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	return ""
}

// jsonFields maps the JSON names of t's fields (inline ones flattened) to
// their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case !f.IsExported() || name == "-":
		case strings.Contains(opts, "inline") || f.Anonymous && name == "":
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
		case name == "status":
			// written by ferry, never read from a file
		default:
			if name == "" {
				name = f.Name
			}
			out[name] = f.Type
		}
	}
	return out
}

func sortedNames(m map[string]reflect.Type) []string { return slices.Sorted(maps.Keys(m)) }
