package gitstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

const redacted = "***"

// Redact returns rawURL with any user information removed, so that it can be
// logged, shown or written to Git. A URL with a scheme that does not parse
// (an invalid %-escape, a bad host) loses everything between "://" and the
// last "@" of its authority. Other strings (scp-like SSH addresses, local
// paths) keep only what follows an "@" when what precedes it holds a ":".
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err == nil && u.Scheme != "" && u.Host != "" {
		if u.User != nil {
			u.User = nil
			return u.String()
		}
		return rawURL
	}
	if scheme, rest, ok := strings.Cut(rawURL, "://"); ok && isScheme(scheme) {
		// The authority ends at the first "/", "?" or "#" after the last
		// "@": a password may hold any of them unescaped.
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return scheme + "://" + redacted + rest[at:]
		}
		return rawURL
	}
	// user@host:path (scp-like) carries no secret in the user name, but a
	// "user:password@" prefix might: drop everything before the last "@"
	// when what precedes it holds a ":".
	if at := strings.LastIndex(rawURL, "@"); at >= 0 {
		head := rawURL[:at]
		if strings.Contains(head, ":") {
			return redacted + rawURL[at:]
		}
	}
	return rawURL
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, "+", "-" or ".").
func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// urlError describes why rawURL does not parse without quoting it or any
// part of it: url.Error holds the whole URL, and an EscapeError the bytes
// of the password around the bad escape.
func urlError(rawURL string, err error) error {
	reason := "invalid URL"
	var esc url.EscapeError
	var host url.InvalidHostError
	switch {
	case errors.As(err, &esc):
		reason = "invalid %-escape (write a literal % as %25)"
	case errors.As(err, &host):
		reason = "invalid character in host name"
	case strings.ContainsFunc(rawURL, unicode.IsControl):
		reason = "invalid control character (a trailing newline?)"
	}
	return fmt.Errorf("parse url %q: %s", Redact(strings.TrimSpace(rawURL)), reason)
}

// scrubber removes known secret values from text.
type scrubber struct {
	secrets []string
}

func (s *scrubber) add(secret string) {
	if len(secret) >= 4 {
		s.secrets = append(s.secrets, secret)
		if esc := url.QueryEscape(secret); esc != secret {
			s.secrets = append(s.secrets, esc)
		}
	}
}

func (s *scrubber) scrub(text string) string {
	for _, sec := range s.secrets {
		text = strings.ReplaceAll(text, sec, redacted)
	}
	return text
}

// wrap returns err with every secret removed from its message. errors.Is and
// errors.As still see the original chain.
func (s *scrubber) wrap(err error) error {
	if err == nil {
		return nil
	}
	msg := s.scrub(err.Error())
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

var _ interface{ Unwrap() error } = (*scrubbedError)(nil)
