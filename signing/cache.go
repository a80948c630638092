package signing

import (
	"bytes"
	"sync"
	"time"
)

// Bounds of a [Verifier]'s memory of verdicts.
const (
	maxCached = 8192
	// cacheTTL is how long a verdict is kept: keys expire and are revoked
	// as time goes by, so a verdict is made again after it.
	cacheTTL = time.Minute
)

// verdict is what ferry found of one commit.
type verdict struct {
	who    Signer
	parent string
	err    error
	at     time.Time
}

// cache keeps a Verifier's verdicts and the verify stages of released
// candidates' ferry.yaml in memory, by commit hash. It is never persisted:
// ferry checks again after a restart.
type cache struct {
	mu       sync.Mutex
	verdicts map[string]verdict
	listed   map[string][]string
}

func (c *cache) verdict(h string) (verdict, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.verdicts[h]
	if ok && time.Since(e.at) > cacheTTL {
		delete(c.verdicts, h)
		return verdict{}, false
	}
	return e, ok
}

func (c *cache) putVerdict(h string, e verdict) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.verdicts == nil || len(c.verdicts) >= maxCached {
		c.verdicts = map[string]verdict{}
	}
	e.at = time.Now()
	c.verdicts[h] = e
}

func (c *cache) stages(h string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.listed[h]
	return s, ok
}

func (c *cache) putStages(h string, s []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listed == nil || len(c.listed) >= maxCached {
		c.listed = map[string][]string{}
	}
	c.listed[h] = s
}

// firstParent reads the first parent header of a raw commit, "" for a
// root commit.
func firstParent(raw []byte) string {
	for rest := raw; len(rest) > 0; {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		if len(line) == 0 {
			return ""
		}
		if p, ok := bytes.CutPrefix(line, []byte("parent ")); ok {
			return string(p)
		}
		rest = next
	}
	return ""
}
