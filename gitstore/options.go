package gitstore

import (
	"errors"
	"strings"
	"time"
)

// Defaults for [Options].
const (
	DefaultBranch      = "main"
	DefaultStagePrefix = "stage/"
	DefaultNotesRef    = "refs/notes/ferry"
	DefaultFerryPrefix = "ferry/"
	DefaultTimeout     = 2 * time.Minute
	DefaultPackWindow  = 10
	// DefaultMaxPacks is how many pack files the mirror may hold before
	// they are consolidated into one.
	DefaultMaxPacks = 64
	// DefaultUpdateAttempts is how many times [Store.Update] fetches and
	// tries to push before it gives up on a ref that keeps moving.
	DefaultUpdateAttempts = 8
)

// Options configure a [Store].
type Options struct {
	// URL of the remote repository: https://, http://, ssh://, user@host:path,
	// file:// or a local path. Credentials embedded in the URL are moved into
	// Auth and never shown. Surrounding white space (a trailing newline from
	// a file or the environment) is ignored.
	URL string
	// Dir is the state directory. The bare mirror lives in Dir/mirror.git.
	Dir string
	// Branch is the input branch people and CI write to. Default "main".
	Branch string
	// StagePrefix is the branch prefix of the stage branches. Default "stage/".
	StagePrefix string
	// FerryPrefix is the branch prefix of ferry's own branches (status,
	// proposals). Default "ferry/".
	FerryPrefix string
	// NotesRef is the notes ref ferry writes. Default "refs/notes/ferry".
	NotesRef string
	// Auth holds the credentials.
	Auth AuthOptions
	// Timeout bounds one fetch or push. Default 2m.
	Timeout time.Duration
	// PackWindow is the delta window used when packing objects to push.
	// Default 10; a negative value sends objects without deltas. Pushes of
	// more than 50,000 objects are sent without deltas.
	PackWindow int
	// MaxPacks is how many pack files the mirror may accumulate before
	// [Store.Fetch] consolidates them. Default 64.
	MaxPacks int
	// UpdateAttempts bounds the fetch-and-push rounds of [Store.Update].
	// Default 8.
	UpdateAttempts int
	// Signer, when set, signs every commit the store writes: stage
	// branches, ferry's branches, notes, merges. Its signature goes in the
	// commit's gpgsig header, where `git verify-commit` reads it.
	Signer Signer
}

// Signer signs commits.
type Signer interface {
	// Sign returns the armored signature of payload, a commit encoded
	// without its signature. Its errors never contain the key.
	Sign(payload []byte) ([]byte, error)
}

// Validate fills defaults and reports every problem at once.
func (o *Options) Validate() error {
	var errs []error
	o.URL = strings.TrimSpace(o.URL)
	if o.URL == "" {
		errs = append(errs, errors.New("url: must not be empty"))
	}
	if o.Dir == "" {
		errs = append(errs, errors.New("dir: must not be empty"))
	}
	setDefault(&o.Branch, DefaultBranch)
	setDefault(&o.StagePrefix, DefaultStagePrefix)
	setDefault(&o.FerryPrefix, DefaultFerryPrefix)
	setDefault(&o.NotesRef, DefaultNotesRef)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PackWindow == 0 {
		o.PackWindow = DefaultPackWindow
	}
	if o.MaxPacks <= 0 {
		o.MaxPacks = DefaultMaxPacks
	}
	if o.UpdateAttempts <= 0 {
		o.UpdateAttempts = DefaultUpdateAttempts
	}
	if err := o.Auth.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func setDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}
