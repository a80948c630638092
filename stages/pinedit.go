package stages

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PinValue is one value "ferry pin" sets: Key is dotted, "image.tag"
// setting tag under image, and Value is written as YAML reads it.
type PinValue struct {
	Key, Value string
}

// ParsePinValue parses "key=value". The key is split at its dots into
// nested keys; no part may be empty.
func ParsePinValue(s string) (PinValue, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return PinValue{}, fmt.Errorf("parse %q: want key=value, e.g. image=carts:0.11.2", s)
	}
	if k == "" || strings.HasPrefix(k, ".") || strings.HasSuffix(k, ".") || strings.Contains(k, "..") {
		return PinValue{}, fmt.Errorf("parse %q: the key must be names joined by dots, e.g. image.tag", s)
	}
	return PinValue{Key: k, Value: v}, nil
}

// String returns "key=value".
func (v PinValue) String() string { return v.Key + "=" + v.Value }

// EditPin sets values in a pin file as written and reports whether
// anything changed. The file's other keys, their order and its comments
// are kept; it is written again with two-space indentation. A missing
// key is added at the end of its mapping, the mappings on a dotted key's
// way created as needed. A value replacing a string stays a string
// (tag=1.20 keeps "1.20"); any other value is typed as YAML reads it
// (replicaCount=3 is a number). An empty data starts a new file. A key
// whose way crosses a value that is not a mapping, a value with an anchor
// (&name) or that an alias (*name) refers to, and a file of several YAML
// documents are errors naming the file and line: the edit would change or
// drop what the file means. The edited file is parsed again as a pin file
// before it is returned.
func EditPin(file string, data []byte, values []PinValue) ([]byte, bool, error) {
	doc, err := pinDocument(file, data)
	if err != nil {
		return nil, false, err
	}
	e := pinEdit{aliased: aliasedNodes(doc)}
	changed := false
	for _, v := range values {
		c, err := e.set(doc.Content[0], strings.Split(v.Key, "."), v.Value)
		if err != nil {
			return nil, false, fmt.Errorf("set %s in %s: %w", v.Key, file, err)
		}
		changed = changed || c
	}
	if !changed {
		return data, false, nil
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, false, fmt.Errorf("encode %s: %w", file, err)
	}
	if err := enc.Close(); err != nil {
		return nil, false, fmt.Errorf("encode %s: %w", file, err)
	}
	if _, d := ParsePin(file, out.Bytes()); d.HasErrors() {
		return nil, false, fmt.Errorf("the edited %s does not parse: %w", file, d.Diagnostics().Errors())
	}
	return out.Bytes(), true, nil
}

// pinDocument parses a pin file into its document node, whose one child
// is the top-level mapping; an empty file is an empty mapping.
func pinDocument(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if dec.Decode(&first) == nil && dec.Decode(&second) == nil {
		line := second.Line
		if len(second.Content) > 0 {
			line = second.Content[0].Line
		}
		return nil, fmt.Errorf("%s:%d: a pin file is one YAML document; this is a second one, which ferry pin would drop: edit the file by hand", file, line)
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.DocumentNode, HeadComment: doc.HeadComment, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}, nil
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d:%d: a pin file is a mapping of values, not a %s", file, root.Line, root.Column, root.ShortTag())
	}
	return &doc, nil
}

// pinEdit edits a pin document whose aliased nodes are known.
type pinEdit struct {
	aliased map[*yaml.Node]bool
}

// aliasedNodes returns the nodes an alias of doc refers to.
func aliasedNodes(doc *yaml.Node) map[*yaml.Node]bool {
	out := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			out[n.Alias] = true
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// guard refuses to edit a node with an anchor or one an alias refers to:
// replacing it drops the anchor (its aliases no longer resolve), and a
// change under it changes its aliases too.
func (e pinEdit) guard(n *yaml.Node, key string) error {
	switch {
	case n.Anchor != "":
		return fmt.Errorf("line %d: %s has the anchor &%s, which aliases may use: edit the file by hand", n.Line, key, n.Anchor)
	case e.aliased[n]:
		return fmt.Errorf("line %d: an alias refers to %s: edit the file by hand", n.Line, key)
	}
	return nil
}

// set sets the value at path under m and reports whether it changed.
func (e pinEdit) set(m *yaml.Node, path []string, value string) (bool, error) {
	key := path[0]
	n := mappingValue(m, key)
	if n != nil {
		if err := e.guard(n, key); err != nil {
			return false, err
		}
	}
	if len(path) > 1 {
		switch {
		case n == nil:
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, n)
		case n.Kind != yaml.MappingNode:
			return false, fmt.Errorf("line %d: %s holds a %s, not a mapping", n.Line, key, kindName(n))
		}
		return e.set(n, path[1:], value)
	}
	if n == nil {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, newScalar(value, false))
		return true, nil
	}
	if n.Kind != yaml.ScalarNode {
		return false, fmt.Errorf("line %d: %s holds a %s, not a single value", n.Line, key, kindName(n))
	}
	str := n.ShortTag() == "!!str"
	if n.Value == value && (str || newScalar(value, false).ShortTag() == n.ShortTag()) {
		return false, nil
	}
	s := newScalar(value, str)
	s.Style = n.Style &^ yaml.TaggedStyle
	if !str {
		s.Style = 0
	}
	s.HeadComment, s.LineComment, s.FootComment = n.HeadComment, n.LineComment, n.FootComment
	*n = *s
	return true, nil
}

// newScalar returns a scalar of value, a string when str is set, else
// typed as YAML reads the plain value.
func newScalar(value string, str bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: value}
	if str {
		n.Tag = "!!str"
		return n
	}
	var typed yaml.Node
	if err := yaml.Unmarshal([]byte(value), &typed); err == nil && len(typed.Content) == 1 && typed.Content[0].Kind == yaml.ScalarNode && typed.Content[0].Value == value {
		n.Tag = typed.Content[0].ShortTag()
	} else {
		n.Tag = "!!str"
	}
	return n
}

// mappingValue returns the value of key in mapping m, or nil. A repeated
// key counts by its last occurrence, as decoding reads it.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	var v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			v = m.Content[i+1]
		}
	}
	return v
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value " + n.ShortTag()
}
