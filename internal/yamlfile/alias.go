package yamlfile

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MaxAliasNodes bounds what aliases may add to a document: expanding every
// alias (*name) of a file into a copy of its anchored value (&name) may
// add at most this many nodes. Anchors that reuse a block of settings a few
// times stay far below it; a "billion laughs" document, whose few hundred
// bytes expand to billions of nodes, is rejected before anything expands
// it. yaml.v3 has a similar budget, but only when it decodes.
const MaxAliasNodes = 100_000

// checkAliases rejects a document whose aliases expand beyond
// MaxAliasNodes or refer to a value that contains them, positioned at the
// alias that does it. It visits each node once: its time and memory are
// those of the document as written.
func (d *Doc) checkAliases(root *yaml.Node) bool {
	a := aliasCheck{size: map[*yaml.Node]int{}}
	a.visit(d, root, "")
	return a.ok()
}

type aliasCheck struct {
	// size is the number of nodes a node expands to, capped at
	// MaxAliasNodes+1; -1 while it is being computed.
	size  map[*yaml.Node]int
	added int
	bad   bool
}

func (a *aliasCheck) ok() bool { return !a.bad }

// visit walks the document as written, in order, and adds up what each
// alias expands to.
func (a *aliasCheck) visit(d *Doc, n *yaml.Node, path string) {
	if a.bad {
		return
	}
	switch n.Kind {
	case yaml.AliasNode:
		size, cyclic := a.expand(n.Alias)
		switch {
		case cyclic:
			d.addAt(n, path, fmt.Sprintf("alias *%s refers to a value that contains it", n.Value))
			a.bad = true
		case size > MaxAliasNodes-a.added:
			d.addAt(n, path, fmt.Sprintf("too many aliases: expanding *%s here would make aliases add more than %d nodes to the document", n.Value, MaxAliasNodes))
			a.bad = true
		default:
			a.added += size
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			a.visit(d, n.Content[i], path)
			a.visit(d, n.Content[i+1], join(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			a.visit(d, c, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// expand returns the number of nodes n expands to, capped at
// MaxAliasNodes+1, and whether n contains an alias of itself.
func (a *aliasCheck) expand(n *yaml.Node) (size int, cyclic bool) {
	if n == nil {
		return 0, false
	}
	if s, ok := a.size[n]; ok {
		return s, s < 0
	}
	if n.Kind == yaml.AliasNode {
		return a.expand(n.Alias)
	}
	a.size[n] = -1
	size = 1
	for _, c := range n.Content {
		s, cyc := a.expand(c)
		if cyc {
			return 0, true
		}
		size = min(size+s, MaxAliasNodes+1)
	}
	a.size[n] = size
	return size, false
}
