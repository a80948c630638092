package signing

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// AllowedSigner is one line of an allowed signers file.
type AllowedSigner struct {
	// Principals name the signer, e.g. alice@example.com.
	Principals []string
	// Key is the signer's public key.
	Key ssh.PublicKey
	// Namespaces, when set, are the patterns of the namespaces the key may
	// sign in (a pattern starting with ! refuses what it matches).
	Namespaces []string
	// ValidAfter and ValidBefore, when set, bound the commit times the key
	// signs for, both inclusive.
	ValidAfter, ValidBefore time.Time
	// Line is the line of the file the signer is on.
	Line int
}

// allows reports whether s may sign in namespace at t, as ssh-keygen -Y
// verify decides: namespace matches the namespaces patterns, and t is
// within valid-after and valid-before, both inclusive. A zero t (a commit
// whose committer time cannot be read) is refused when the line bounds
// the time.
func (s *AllowedSigner) allows(namespace string, t time.Time) bool {
	if len(s.Namespaces) > 0 && !matchPatternList(namespace, s.Namespaces) {
		return false
	}
	if t.IsZero() {
		return s.ValidAfter.IsZero() && s.ValidBefore.IsZero()
	}
	if !s.ValidAfter.IsZero() && t.Before(s.ValidAfter) {
		return false
	}
	return s.ValidBefore.IsZero() || !t.After(s.ValidBefore)
}

// matchPatternList is OpenSSH's match_pattern_list: s matches when a
// pattern matches it and no negated pattern (!pattern) does.
func matchPatternList(s string, patterns []string) bool {
	matched := false
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if matchPattern(s, neg) {
				return false
			}
			continue
		}
		if matchPattern(s, p) {
			matched = true
		}
	}
	return matched
}

// matchPattern matches s against an OpenSSH pattern: * is any run of
// characters, ? any one character.
func matchPattern(s, p string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for p = p[1:]; len(p) > 0 && p[0] == '*'; p = p[1:] {
			}
			if p == "" {
				return true
			}
			for i := range len(s) + 1 {
				if matchPattern(s[i:], p) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		s, p = s[1:], p[1:]
	}
	return s == ""
}

// LoadAllowedSigners reads an allowed signers file (see
// [ParseAllowedSigners]).
func LoadAllowedSigners(path string) ([]AllowedSigner, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read allowed signers: %w", err)
	}
	signers, err := ParseAllowedSigners(path, b)
	if err != nil {
		return nil, err
	}
	return signers, nil
}

// ParseAllowedSigners reads the allowed signers format of ssh-keygen(1)
// that Git's gpg.ssh.allowedSignersFile uses: one signer a line,
//
//	principals [options] keytype base64-key [comment]
//
// principals separated by commas (quoted when they hold spaces), and the
// options namespaces="…", valid-after="…" and valid-before="…"
// (YYYYMMDD[HHMM[SS]], a trailing Z for UTC; times without it are taken as
// UTC too). Blank lines and lines starting with # are skipped. A
// certificate authority (cert-authority) is not supported. Every bad line
// is reported, as name:line.
func ParseAllowedSigners(name string, b []byte) ([]AllowedSigner, error) {
	var out []AllowedSigner
	var errs []error
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseAllowedSigner(line)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", name, n, err))
			continue
		}
		s.Line = n
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("read %s: %w", name, err))
	}
	return out, errors.Join(errs...)
}

func parseAllowedSigner(line string) (AllowedSigner, error) {
	var s AllowedSigner
	principals, rest, err := cutField(line)
	if err != nil {
		return s, err
	}
	for p := range strings.SplitSeq(principals, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.Principals = append(s.Principals, p)
		}
	}
	if len(s.Principals) == 0 || rest == "" {
		return s, errors.New("want principals, then optional options, a key type and a base64 key")
	}
	key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(rest))
	if err != nil {
		return s, fmt.Errorf("read key: %w", err)
	}
	s.Key = key
	for _, o := range options {
		name, value, _ := strings.Cut(o, "=")
		value = strings.Trim(value, `"`)
		switch strings.ToLower(name) {
		case "namespaces":
			s.Namespaces = strings.Split(value, ",")
		case "valid-after":
			s.ValidAfter, err = parseSignerTime(value)
		case "valid-before":
			s.ValidBefore, err = parseSignerTime(value)
		case "cert-authority":
			return s, errors.New("cert-authority is not supported: list the signers' keys")
		default:
			return s, fmt.Errorf("unknown option %q", name)
		}
		if err != nil {
			return s, fmt.Errorf("option %s: %w", name, err)
		}
	}
	return s, nil
}

// cutField cuts the first field of line, which may be quoted.
func cutField(line string) (field, rest string, err error) {
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return "", "", errors.New("unterminated quote in principals")
		}
		return line[1 : end+1], strings.TrimSpace(line[end+2:]), nil
	}
	i := strings.IndexAny(line, " \t")
	if i < 0 {
		return line, "", nil
	}
	return line[:i], strings.TrimSpace(line[i:]), nil
}

// parseSignerTime reads YYYYMMDD[HHMM[SS]][Z].
func parseSignerTime(v string) (time.Time, error) {
	v = strings.TrimSuffix(v, "Z")
	for _, layout := range []string{"20060102", "200601021504", "20060102150405"} {
		if len(v) == len(layout) {
			if t, err := time.Parse(layout, v); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want YYYYMMDD[HHMM[SS]][Z]", v)
}
