package gitstore

import (
	"net/url"
	"strings"
)

const redacted = "***"

// Redact returns rawURL with any user information removed, so that it can be
// logged, shown or written to Git. Strings that do not parse as URLs (scp-like
// SSH addresses, local paths) keep only what follows an "@" in their host part.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err == nil && u.Scheme != "" && u.Host != "" {
		if u.User != nil {
			u.User = nil
			return u.String()
		}
		return rawURL
	}
	// user@host:path (scp-like) carries no secret in the user name, but a
	// "user:password@" prefix might: drop everything before the last "@"
	// that precedes the first ":" or "/".
	if at := strings.LastIndex(rawURL, "@"); at >= 0 {
		head := rawURL[:at]
		if strings.Contains(head, ":") {
			return redacted + rawURL[at:]
		}
	}
	return rawURL
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
