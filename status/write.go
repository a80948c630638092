package status

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
)

// Edits returns the edits that write every slot, problem and state.yaml
// whose content changed since it was read. Corrupt files are never
// written: their items are not in the branch.
func (b *Branch) Edits() []gitstore.Edit {
	var edits []gitstore.Edit
	for _, k := range b.Keys() {
		s := b.Slots[k]
		edits = b.put(edits, SlotPath(s.Stage, s.Service), s)
	}
	sort.Slice(b.Problems, func(i, j int) bool { return b.Problems[i].ID < b.Problems[j].ID })
	for _, p := range b.Problems {
		edits = b.put(edits, ProblemPath(p.ID), p)
	}
	b.State.Version = FormatVersion
	return b.put(edits, StateFile, b.State)
}

func (b *Branch) put(edits []gitstore.Edit, p string, v any) []gitstore.Edit {
	data := Marshal(v)
	if b.raw[p] == string(data) {
		return edits
	}
	return append(edits, gitstore.Put(p, data))
}

// Marshal encodes a value of this package as YAML.
func Marshal(v any) []byte {
	data, err := yaml.Marshal(v)
	if err != nil {
		// Only this package's plain structs are marshalled.
		panic(fmt.Sprintf("marshal status: %v", err))
	}
	return data
}

// maxMessageLines bounds the transitions a status commit's message lists.
const maxMessageLines = 50

// CommitMessage is the message of a commit on ferry/status: how many
// transitions it records, and (at most 50 of) their lines, each kept to
// one line (a line break in a transition's text becomes a space).
func CommitMessage(transitions int, lines []string) string {
	msg := fmt.Sprintf("status: %d transition(s)", transitions)
	if n := len(lines); n > maxMessageLines {
		lines = append(lines[:maxMessageLines:maxMessageLines], fmt.Sprintf("… and %d more (runs/ has them all)", n-maxMessageLines))
	}
	lines = slices.Clone(lines)
	for i, l := range lines {
		lines[i] = flatten(l)
	}
	if len(lines) > 0 {
		msg += "\n\n" + strings.Join(lines, "\n")
	}
	return msg
}
