package renderer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// groupKind names a kind of object by its API group ("" for the core
// group) and kind, in any version.
type groupKind struct{ group, kind string }

// clusterScoped are the kinds of Kubernetes' built-in API (kubectl
// api-resources --namespaced=false, Kubernetes 1.34), the list kustomize
// keeps too: objects of these kinds never get a namespace. Every other
// kind, custom resources included, is taken to be namespaced.
var clusterScoped = map[groupKind]bool{
	{"", "ComponentStatus"}: true, {"", "Namespace"}: true, {"", "Node"}: true, {"", "PersistentVolume"}: true,
	{"admissionregistration.k8s.io", "MutatingWebhookConfiguration"}:     true,
	{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"}:   true,
	{"admissionregistration.k8s.io", "MutatingAdmissionPolicy"}:          true,
	{"admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"}:   true,
	{"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"}:        true,
	{"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"}: true,
	{"apiextensions.k8s.io", "CustomResourceDefinition"}:                 true,
	{"apiregistration.k8s.io", "APIService"}:                             true,
	{"authentication.k8s.io", "SelfSubjectReview"}:                       true,
	{"authentication.k8s.io", "TokenReview"}:                             true,
	{"authorization.k8s.io", "SelfSubjectAccessReview"}:                  true,
	{"authorization.k8s.io", "SelfSubjectRulesReview"}:                   true,
	{"authorization.k8s.io", "SubjectAccessReview"}:                      true,
	{"certificates.k8s.io", "CertificateSigningRequest"}:                 true,
	{"certificates.k8s.io", "ClusterTrustBundle"}:                        true,
	{"flowcontrol.apiserver.k8s.io", "FlowSchema"}:                       true,
	{"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"}:       true,
	{"internal.apiserver.k8s.io", "StorageVersion"}:                      true,
	{"networking.k8s.io", "IngressClass"}:                                true,
	{"networking.k8s.io", "IPAddress"}:                                   true,
	{"networking.k8s.io", "ServiceCIDR"}:                                 true,
	{"node.k8s.io", "RuntimeClass"}:                                      true,
	{"policy", "PodSecurityPolicy"}:                                      true,
	{"rbac.authorization.k8s.io", "ClusterRole"}:                         true,
	{"rbac.authorization.k8s.io", "ClusterRoleBinding"}:                  true,
	{"resource.k8s.io", "DeviceClass"}:                                   true,
	{"resource.k8s.io", "ResourceSlice"}:                                 true,
	{"scheduling.k8s.io", "PriorityClass"}:                               true,
	{"storage.k8s.io", "CSIDriver"}:                                      true,
	{"storage.k8s.io", "CSINode"}:                                        true,
	{"storage.k8s.io", "StorageClass"}:                                   true,
	{"storage.k8s.io", "VolumeAttachment"}:                               true,
	{"storage.k8s.io", "VolumeAttributesClass"}:                          true,
	{"storagemigration.k8s.io", "StorageVersionMigration"}:               true,
}

// IsClusterScoped reports whether objects of a kind, in an API version
// such as "rbac.authorization.k8s.io/v1", have no namespace.
func IsClusterScoped(apiVersion, kind string) bool {
	group, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		group = "" // "v1": the core group
	}
	return clusterScoped[groupKind{group, kind}]
}

// insertion is text to insert before the byte at column col (1-based) of
// line (1-based) of a template's output.
type insertion struct {
	line, col int
	text      string
	ownLine   bool // the text is a line of its own, before line
}

// placeInNamespace gives every namespaced object of a template's output
// that has none metadata.namespace ns, as `helm install` places them. Only
// the namespace is added: the rest of the text, comments and key order
// included, is left as it is. Objects of a List are placed one by one.
// Output that is not YAML is returned unchanged (the chart's own problem,
// reported by whoever applies it).
func placeInNamespace(text, ns string) (string, error) {
	if ns == "" || !strings.Contains(text, "kind") {
		return text, nil
	}
	var ins []insertion
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return text, nil //nolint:nilerr // not YAML: left to the agent to report
		}
		if len(doc.Content) == 1 {
			ins = place(doc.Content[0], ns, ins)
		}
	}
	return apply(text, ins)
}

// place adds the insertions that give obj, or the items of a List, the
// namespace ns.
func place(obj *yaml.Node, ns string, ins []insertion) []insertion {
	if obj.Kind != yaml.MappingNode {
		return ins
	}
	apiVersion, kind := scalar(obj, "apiVersion"), scalar(obj, "kind")
	if items := value(obj, "items"); strings.HasSuffix(kind, "List") && items != nil && items.Kind == yaml.SequenceNode {
		for _, item := range items.Content {
			ins = place(item, ns, ins)
		}
		return ins
	}
	meta := value(obj, "metadata")
	if kind == "" || meta == nil || meta.Kind != yaml.MappingNode || IsClusterScoped(apiVersion, kind) {
		return ins
	}
	if n := value(meta, "namespace"); n != nil && n.Kind == yaml.ScalarNode && n.Value != "" {
		return ins // the chart chose
	}
	quoted := quote(ns)
	if meta.Style&yaml.FlowStyle != 0 || len(meta.Content) == 0 {
		text := "namespace: " + quoted
		if len(meta.Content) > 0 {
			text += ", "
		}
		return append(ins, insertion{line: meta.Line, col: meta.Column + 1, text: text})
	}
	first := meta.Content[0]
	return append(ins, insertion{line: first.Line, col: first.Column, text: "namespace: " + quoted, ownLine: true})
}

// apply inserts ins into text, from the last to the first so that the
// positions of the others hold.
func apply(text string, ins []insertion) (string, error) {
	if len(ins) == 0 {
		return text, nil
	}
	lines := strings.SplitAfter(text, "\n")
	for i := len(ins) - 1; i >= 0; i-- {
		in := ins[i]
		off := -1
		if in.line >= 1 && in.line <= len(lines) {
			off = byteOffset(lines[in.line-1], in.col)
		}
		if off < 0 {
			return "", fmt.Errorf("place an object in its namespace: no position %d:%d", in.line, in.col)
		}
		l := lines[in.line-1]
		if !in.ownLine {
			lines[in.line-1] = l[:off] + in.text + l[off:]
			continue
		}
		indent := l[:off]
		if strings.TrimLeft(indent, " ") != "" {
			return "", fmt.Errorf("place an object in its namespace: line %d: metadata's first key does not start its line", in.line)
		}
		lines[in.line-1] = indent + in.text + "\n" + l
	}
	return strings.Join(lines, ""), nil
}

// byteOffset returns the offset in line of column col (1-based, in
// characters, as YAML counts them), or -1 past the line's end.
func byteOffset(line string, col int) int {
	n := 1
	for off := range line {
		if n == col {
			return off
		}
		n++
	}
	if n == col {
		return len(line)
	}
	return -1
}

// value returns the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalar returns the scalar value of key in mapping m, or "".
func scalar(m *yaml.Node, key string) string {
	if v := value(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// quote returns ns as a YAML scalar that reads back as the string ns.
func quote(ns string) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	_ = enc.Encode(ns)
	_ = enc.Close()
	return strings.TrimSuffix(b.String(), "\n")
}
