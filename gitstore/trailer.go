package gitstore

import (
	"fmt"
	"slices"
	"strings"
)

// Trailer is one "Key: value" line at the end of a commit message, as
// git-interpret-trailers(1) reads it.
type Trailer struct {
	Key   string
	Value string
}

// Trailers are the trailers of a message, in order. A key may repeat.
type Trailers []Trailer

// Get returns the value of the last trailer named key (case-insensitive,
// as Git compares trailer keys) and whether there was one.
func (t Trailers) Get(key string) (string, bool) {
	for i := len(t) - 1; i >= 0; i-- {
		if strings.EqualFold(t[i].Key, key) {
			return t[i].Value, true
		}
	}
	return "", false
}

// validate reports keys Git would not read back as a trailer, and values
// that would end the block early.
func (t Trailers) validate() error {
	for _, tr := range t {
		if !isTrailerKey(tr.Key) {
			return fmt.Errorf("trailer key %q: want letters, digits and '-'", tr.Key)
		}
		if strings.ContainsAny(tr.Value, "\r\n") || strings.TrimSpace(tr.Value) != tr.Value || tr.Value == "" {
			return fmt.Errorf("trailer %s: value %q must be one non-empty line without surrounding space", tr.Key, tr.Value)
		}
	}
	return nil
}

// FormatMessage joins a message and trailers the way Git expects: the
// message without trailing white space, a blank line, one trailer a line.
// Only t become trailers: when there are none and the message's last
// paragraph (other than the subject) holds a line that reads as a trailer
// ("Key: value"), that paragraph is indented, so that neither Git nor
// [ParseTrailers] reads it as a trailer block.
func FormatMessage(msg string, t Trailers) string {
	msg = strings.TrimRight(msg, " \t\r\n")
	if len(t) == 0 {
		return quoteTrailerLike(msg) + "\n"
	}
	var b strings.Builder
	b.WriteString(msg)
	b.WriteString("\n\n")
	for _, tr := range t {
		b.WriteString(tr.Key)
		b.WriteString(": ")
		b.WriteString(tr.Value)
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseTrailers returns the trailers of a commit message: the lines of its
// last paragraph when every line there is "Key: value" or the continuation
// of one (a line starting with white space). The subject paragraph is never
// a trailer block. Continuation lines are joined with a single space.
func ParseTrailers(msg string) Trailers {
	paras := paragraphs(msg)
	if len(paras) < 2 {
		return nil
	}
	var out Trailers
	for _, line := range paras[len(paras)-1] {
		if line[0] == ' ' || line[0] == '\t' {
			if len(out) == 0 {
				return nil
			}
			last := &out[len(out)-1]
			last.Value = strings.TrimSpace(last.Value + " " + strings.TrimSpace(line))
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok || !isTrailerKey(strings.TrimRight(key, " ")) {
			return nil
		}
		out = append(out, Trailer{Key: strings.TrimRight(key, " "), Value: strings.TrimSpace(val)})
	}
	return out
}

// quoteTrailerLike indents the last paragraph of msg (trimmed of trailing
// white space) when a line of it reads as a trailer. A block whose lines
// all start with white space is no trailer block for Git (they are
// continuation lines without a trailer) nor for ParseTrailers.
func quoteTrailerLike(msg string) string {
	lines := strings.Split(msg, "\n")
	start := len(lines)
	for start > 0 && strings.TrimRight(lines[start-1], " \t\r") != "" {
		start--
	}
	if start == 0 {
		return msg // the subject paragraph is never a trailer block
	}
	last := lines[start:]
	if !slices.ContainsFunc(last, looksLikeTrailer) {
		return msg
	}
	for i, l := range last {
		last[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}

// looksLikeTrailer reports whether Git could read line as a trailer: a
// token before a ":" (or a "(cherry picked from commit" line).
func looksLikeTrailer(line string) bool {
	if strings.HasPrefix(line, "(cherry picked from commit ") {
		return true
	}
	key, _, ok := strings.Cut(line, ":")
	return ok && isTrailerKey(strings.TrimRight(key, " \t"))
}

// paragraphs splits msg into blocks of non-blank lines, ignoring comment
// lines as Git does.
func paragraphs(msg string) [][]string {
	var paras [][]string
	var cur []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimRight(line, " \t\r")
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case line == "":
			if len(cur) > 0 {
				paras = append(paras, cur)
				cur = nil
			}
		default:
			cur = append(cur, line)
		}
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	return paras
}

func isTrailerKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r != '-' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}
