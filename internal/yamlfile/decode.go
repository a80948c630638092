package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Pos is a position in a file, 1-based.
type Pos struct {
	Line, Column int
}

// Doc is a decoded file: its diagnostics so far and the position of every
// decoded value, by path ("spec.stages[0].name", "indicators.throughput").
type Doc struct {
	File  string
	pos   map[string]Pos
	diags Diagnostics
	// walked holds the anchored nodes checked so far, by the type they
	// were checked against: an alias of one is not walked again.
	walked map[walkedNode]bool
}

type walkedNode struct {
	n *yaml.Node
	t reflect.Type
}

// NewDoc returns an empty document for file, for diagnostics about files
// that are not YAML (a missing file, a chart).
func NewDoc(file string) *Doc { return &Doc{File: file, pos: map[string]Pos{}} }

// Pos returns the position of path, or of its nearest decoded ancestor, or
// the start of the file.
func (d *Doc) Pos(path string) Pos {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		if path == "" {
			return Pos{Line: 1, Column: 1}
		}
		path = parent(path)
	}
}

// Has reports whether path was present in the file.
func (d *Doc) Has(path string) bool { _, ok := d.pos[path]; return ok }

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// Errorf records an error about path. The path is shown before the message.
func (d *Doc) Errorf(path, format string, args ...any) {
	d.add(SeverityError, path, fmt.Sprintf(format, args...))
}

// Warnf records a warning about path.
func (d *Doc) Warnf(path, format string, args ...any) {
	d.add(SeverityWarning, path, fmt.Sprintf(format, args...))
}

func (d *Doc) add(sev Severity, path, msg string) {
	p := d.Pos(path)
	if path != "" {
		msg = path + ": " + msg
	}
	d.diags = append(d.diags, Diagnostic{File: d.File, Line: p.Line, Column: p.Column, Severity: sev, Message: msg})
}

func (d *Doc) addAt(n *yaml.Node, path, msg string) {
	if path != "" {
		msg = path + ": " + msg
	}
	d.diags = append(d.diags, Diagnostic{File: d.File, Line: n.Line, Column: n.Column, Severity: SeverityError, Message: msg})
}

// Diagnostics returns everything recorded, in file order.
func (d *Doc) Diagnostics() Diagnostics {
	out := append(Diagnostics(nil), d.diags...)
	out.Sort()
	return out
}

// HasErrors reports whether an error was recorded.
func (d *Doc) HasErrors() bool { return d.diags.HasErrors() }

var (
	syntaxLine    = regexp.MustCompile(`^yaml: line (\d+): `)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// parserProblems are the problems yaml.v3's parser (not its scanner)
// reports. It numbers their lines from 0.
var parserProblems = map[string]bool{
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected node content":     true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"found incompatible YAML document":       true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found undefined tag handle":             true,
}

// Decode decodes the single YAML document in data into v, which must be a
// pointer to a struct. Unknown keys, duplicate keys and values of the wrong
// kind are errors; when there is any, v is left unset. A null list item
// decodes to a nil pointer.
func Decode(file string, data []byte, v any) *Doc {
	d := NewDoc(file)
	root, ok := d.parse(data)
	if !ok || !d.checkAliases(root) {
		return d
	}
	d.walk(root, reflect.TypeOf(v).Elem(), "")
	if d.HasErrors() {
		return d
	}
	// Decode into a fresh value, so that v stays unset on error.
	out := reflect.New(reflect.TypeOf(v).Elem())
	d.decode(root, out.Elem(), "")
	if !d.HasErrors() {
		reflect.ValueOf(v).Elem().Set(out.Elem())
	}
	return d
}

// parse returns the content node of the file's only document.
func (d *Doc) parse(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.diags = append(d.diags, Diagnostic{File: d.File, Line: 1, Column: 1, Severity: SeverityError, Message: "file is empty"})
			return nil, false
		}
		d.syntaxError(err, data)
		return nil, false
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.addAt(&next, "", "a second YAML document; the file must hold one")
		return nil, false
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err, data)
		return nil, false
	}
	if len(doc.Content) == 0 {
		d.diags = append(d.diags, Diagnostic{File: d.File, Line: 1, Column: 1, Severity: SeverityError, Message: "file is empty"})
		return nil, false
	}
	return doc.Content[0], true
}

// syntaxError records a syntax error at the best position yaml.v3 gives.
// yaml.v3 keeps the column of a problem to itself, and says "line N" only
// when the problem, or the construct it was parsing, is past the first
// line: that line, from 1, is used with column 1. An unknown alias, which
// yaml.v3 does not place at all, is found in the text.
func (d *Doc) syntaxError(err error, data []byte) {
	msg := err.Error()
	pos := Pos{Line: 1, Column: 1}
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if parserProblems[msg] {
			pos.Line++
		}
	} else if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		pos = findAlias(data, m[1], pos)
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	d.diags = append(d.diags, Diagnostic{File: d.File, Line: pos.Line, Column: pos.Column, Severity: SeverityError, Message: "invalid YAML: " + msg})
}

// findAlias returns the position of the first *name in data not followed
// by a character of a longer name, or def.
func findAlias(data []byte, name string, def Pos) Pos {
	re := regexp.MustCompile(`\*` + regexp.QuoteMeta(name) + `(?:[\s,\]}]|$)`)
	loc := re.FindIndex(data)
	if loc == nil {
		return def
	}
	before := data[:loc[0]]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return Pos{Line: line, Column: col}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// walk checks n against t and records positions. An alias is positioned
// where it is written; its value is checked once per type, where it is
// first met, and never expanded: paths below an alias fall back to the
// alias's position.
func (d *Doc) walk(n *yaml.Node, t reflect.Type, path string) {
	d.pos[path] = Pos{Line: n.Line, Column: n.Column}
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		target := n
		if n.Kind == yaml.AliasNode {
			target = n.Alias
			// Problems of the value are reported at the alias.
			at := *target
			at.Line, at.Column = n.Line, n.Column
			n = &at
		}
		if d.walked == nil {
			d.walked = map[walkedNode]bool{}
		}
		if d.walked[walkedNode{target, t}] {
			return
		}
		d.walked[walkedNode{target, t}] = true
	}
	if isNull(n) {
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		d.walk(n, t.Elem(), path)
	case reflect.Interface:
		d.walkAny(n, path)
	case reflect.Struct:
		d.walkStruct(n, t, path)
	case reflect.Map:
		d.walkMap(n, t, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.addAt(n, path, "want a list, got "+describe(n))
			return
		}
		for i, item := range n.Content {
			d.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		d.walkScalar(n, t, path)
	}
}

// walkAny records positions below a free-form value.
func (d *Doc) walkAny(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		d.walkMap(n, reflect.MapOf(reflect.TypeOf(""), anyType), path)
	case yaml.SequenceNode:
		for i, item := range n.Content {
			d.walk(item, anyType, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

var anyType = reflect.TypeOf((*any)(nil)).Elem()

func (d *Doc) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		d.addAt(n, path, "want a mapping, got "+describe(n))
		return
	}
	fields := yamlFields(t)
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if first, dup := seen[name]; dup {
			d.addAt(k, path, fmt.Sprintf("duplicate key %q (first at line %d)", name, first.Line))
			continue
		}
		seen[name] = k
		ft, ok := fields[name]
		if !ok {
			d.addAt(k, path, fmt.Sprintf("unknown field %q%s", name, suggest(name, fields)))
			continue
		}
		d.walk(v, ft, join(path, name))
	}
}

func (d *Doc) walkMap(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		d.addAt(n, path, "want a mapping, got "+describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.addAt(k, path, "want a plain key, got "+describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.addAt(k, path, fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, first.Line))
			continue
		}
		seen[k.Value] = k
		d.walk(v, t.Elem(), join(path, k.Value))
	}
}

func (d *Doc) walkScalar(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.ScalarNode {
		d.addAt(n, path, "want "+kindName(t)+", got "+describe(n))
		return
	}
	tag := n.ShortTag()
	ok := true
	switch t.Kind() {
	case reflect.String:
		// Any scalar reads as text (spec_version: 1.0, pass: 90).
	case reflect.Bool:
		ok = tag == "!!bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		ok = tag == "!!int"
		if ok && t.Kind() >= reflect.Uint && strings.HasPrefix(n.Value, "-") {
			ok = false
		}
	case reflect.Float32, reflect.Float64:
		ok = tag == "!!int" || tag == "!!float"
	}
	if !ok {
		d.addAt(n, path, "want "+kindName(t)+", got "+describe(n))
	}
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number of zero or more"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	}
	return t.Kind().String()
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "an unexpected node"
}

// yamlFields maps the YAML names of t's fields (inline structs flattened)
// to their types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// suggest proposes a known field for a misspelled one.
func suggest(name string, fields map[string]reflect.Type) string {
	var known []string
	for k := range fields {
		known = append(known, k)
	}
	sort.Strings(known)
	for _, k := range known {
		if strings.EqualFold(k, name) || levenshtein(strings.ToLower(k), strings.ToLower(name)) <= 2 {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	return fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
