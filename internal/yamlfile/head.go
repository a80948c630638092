package yamlfile

import (
	"bytes"

	"go.yaml.in/yaml/v3"
)

// Head is the top level of a YAML mapping, read without decoding it: for a
// look at a file's kind or version before it is decoded strictly. Its
// values are the nodes as written.
type Head map[string]*yaml.Node

// ReadHead returns the top level of the first YAML document in data, or
// nil when data holds no mapping. Nothing is expanded, so it takes the
// time and memory of parsing the file once.
func ReadHead(data []byte) Head {
	var doc yaml.Node
	if yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	h := Head{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if _, dup := h[k.Value]; !dup {
			h[k.Value] = v
		}
	}
	return h
}

// Has reports whether key is present, even with a null value.
func (h Head) Has(key string) bool { _, ok := h[key]; return ok }

// Set reports whether key is present with a value other than null.
func (h Head) Set(key string) bool {
	n, ok := h[key]
	return ok && !isNull(n)
}

// String returns the value of key when it is a string, else "".
func (h Head) String(key string) string {
	n := h[key]
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return ""
	}
	return n.Value
}
