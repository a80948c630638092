package evaluator

import (
	"encoding/base64"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// MaxReasonLength bounds the reason of a value that could not be
// retrieved, in bytes: reasons are committed to the ledger and to notes,
// and an upstream error body can be as long as its server likes.
const MaxReasonLength = 300

// maxSecretForms bounds the credentials a querier remembers (a rotated
// token adds its new value; the oldest forms go first).
const maxSecretForms = 32

// secretSet remembers the credentials a querier sent, in every form a
// reply might echo them (an error page that shows the request), so that
// they are removed from error reasons before those are recorded.
type secretSet struct {
	mu    sync.Mutex
	forms []string
}

// add remembers a secret and its escaped forms. Values shorter than four
// bytes are not worth scrubbing: they would mangle every reason.
func (s *secretSet) add(secret string) {
	s.addForms(secret, url.QueryEscape(secret), url.PathEscape(secret))
}

// addBasic remembers a basic-auth password and the Authorization header
// value it travels in.
func (s *secretSet) addBasic(user, password string) {
	pair := []byte(user + ":" + password)
	s.add(password)
	s.addForms(base64.StdEncoding.EncodeToString(pair), base64.RawStdEncoding.EncodeToString(pair))
}

func (s *secretSet) addForms(forms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range forms {
		if len(f) < 4 || contains(s.forms, f) {
			continue
		}
		s.forms = append(s.forms, f)
	}
	if n := len(s.forms); n > maxSecretForms {
		s.forms = append(s.forms[:0], s.forms[n-maxSecretForms:]...)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scrub replaces every remembered form in text.
func (s *secretSet) scrub(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.forms {
		text = strings.ReplaceAll(text, f, "***")
	}
	return text
}

// reason makes an error text fit to record: one line (control characters
// and runs of white space become one space) of at most MaxReasonLength
// bytes, cut at a character boundary and marked with "…".
func reason(text string) string {
	text = strings.Join(strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
	if len(text) <= MaxReasonLength {
		return text
	}
	cut := MaxReasonLength - len("…")
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}
