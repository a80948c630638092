package yamlfile

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decode sets out from n, which the walk has checked against out's type.
//
// yaml.v3 decodes a mapping after comparing every pair of its keys, which
// takes minutes for a mapping of 100,000 keys; the walk has already found
// the duplicates with a map, so decode builds mappings, lists and structs
// itself and leaves only scalars, and values of types that decode
// themselves, to yaml.v3. Aliases expand here, within the budget that
// checkAliases enforced, and merge keys (<<) merge as in yaml.v3.
func (d *Doc) decode(n *yaml.Node, out reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		d.decode(n.Alias, out, path)
		return
	}
	t := out.Type()
	if n.Kind == yaml.ScalarNode || decodesItself(t) {
		d.decodeScalar(n, out, path)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		v := reflect.New(t.Elem())
		d.decode(n, v.Elem(), path)
		out.Set(v)
	case reflect.Interface:
		d.decodeAny(n, out, path)
	case reflect.Struct:
		d.decodeStruct(n, out, path)
	case reflect.Map:
		if out.IsNil() {
			out.Set(reflect.MakeMap(t))
		}
		d.decodeMap(n, out, path, nil)
	case reflect.Slice:
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		out.Set(s)
	default:
		d.decodeScalar(n, out, path)
	}
}

var (
	unmarshalerType     = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
	obsoleteUnmarshaler = reflect.TypeOf((*interface {
		UnmarshalYAML(func(any) error) error
	})(nil)).Elem()
)

// decodesItself reports whether values of t decode themselves from YAML.
func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(unmarshalerType) || p.Implements(obsoleteUnmarshaler) || p.Implements(textUnmarshalerType)
}

// decodeScalar leaves n to yaml.v3, except the plain strings that make up
// most of a large file.
func (d *Doc) decodeScalar(n *yaml.Node, out reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && !decodesItself(out.Type()) {
		switch out.Kind() {
		case reflect.String:
			out.SetString(n.Value)
			return
		case reflect.Interface:
			if out.NumMethod() == 0 {
				out.Set(reflect.ValueOf(n.Value))
				return
			}
		}
	}
	if err := n.Decode(out.Addr().Interface()); err != nil {
		d.addAt(n, path, "decode: "+strings.TrimPrefix(err.Error(), "yaml: "))
	}
}

// decodeAny decodes a mapping or a list into an empty interface as yaml.v3
// does: map[string]any when every key is a string, else map[any]any.
func (d *Doc) decodeAny(n *yaml.Node, out reflect.Value, path string) {
	if out.NumMethod() != 0 {
		d.decodeScalar(n, out, path)
		return
	}
	var v reflect.Value
	switch n.Kind {
	case yaml.MappingNode:
		v = reflect.ValueOf(map[any]any{})
		if stringKeys(n) {
			v = reflect.ValueOf(map[string]any{})
		}
		d.decodeMap(n, v, path, nil)
	case yaml.SequenceNode:
		v = reflect.ValueOf(make([]any, len(n.Content)))
		for i, item := range n.Content {
			d.decode(item, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		d.decodeScalar(n, out, path)
		return
	}
	out.Set(v)
}

func stringKeys(n *yaml.Node) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if tag := n.Content[i].ShortTag(); tag != "!!str" && tag != "!!merge" {
			return false
		}
	}
	return true
}

// decodeMap sets the pairs of n in m. Keys set by a mapping that merges
// others (<<: *defaults) win over the merged ones, and earlier merged
// mappings over later ones; done holds the keys set so far, nil outside a
// merge.
func (d *Doc) decodeMap(n *yaml.Node, m reflect.Value, path string, done map[any]bool) {
	if n.Kind == yaml.AliasNode {
		d.decodeMap(n.Alias, m, path, done)
		return
	}
	kt, et := m.Type().Key(), m.Type().Elem()
	var merge *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if isMerge(kn) {
			merge = vn
			continue
		}
		if isNull(kn) && kt.Kind() != reflect.Interface {
			continue // as yaml.v3 does: a null key sets nothing
		}
		k := reflect.New(kt).Elem()
		d.decodeScalar(kn, k, path)
		if !k.Type().Comparable() || k.Kind() == reflect.Interface && k.Elem().IsValid() && !k.Elem().Type().Comparable() {
			d.addAt(kn, path, "want a plain key, got "+describe(kn))
			continue
		}
		if done != nil {
			if done[k.Interface()] {
				continue
			}
			done[k.Interface()] = true
		}
		e := reflect.New(et).Elem()
		d.decode(vn, e, join(path, kn.Value))
		m.SetMapIndex(k, e)
	}
	if merge == nil {
		return
	}
	if done == nil {
		done = map[any]bool{}
		for _, k := range m.MapKeys() {
			done[k.Interface()] = true
		}
	}
	if merge.Kind == yaml.AliasNode {
		merge = merge.Alias
	}
	sources := []*yaml.Node{merge}
	if merge.Kind == yaml.SequenceNode {
		sources = merge.Content
	}
	for _, src := range sources {
		if src.Kind == yaml.AliasNode {
			src = src.Alias
		}
		if src.Kind != yaml.MappingNode {
			d.addAt(src, join(path, "<<"), "a merge key (<<) takes a mapping or a list of mappings, got "+describe(src))
			continue
		}
		d.decodeMap(src, m, path, done)
	}
}

func isMerge(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "<<" && (n.Tag == "" || n.Tag == "!" || n.ShortTag() == "!!merge")
}

// decodeStruct sets the fields of out named by the keys of n.
func (d *Doc) decodeStruct(n *yaml.Node, out reflect.Value, path string) {
	fields := fieldIndexes(out.Type())
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		index, ok := fields[kn.Value]
		if !ok {
			continue // the walk reported it
		}
		d.decode(vn, fieldByIndex(out, index), join(path, kn.Value))
	}
}

// fieldIndexes maps the YAML names of t's fields, inline structs
// flattened, to their indexes, as yamlFields does to their types.
func fieldIndexes(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range fieldIndexes(f.Type) {
				out[k] = append([]int{i}, v...)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = []int{i}
	}
	return out
}

func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v
}
