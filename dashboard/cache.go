package dashboard

import (
	"sync"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// statusCache keeps, per project, what the board and the projects list
// parse of its ferry/status commit, keyed by that commit: requests for
// the same commit (every open tab refetching after an event) parse it
// once. It holds one entry per project shown.
type statusCache struct {
	mu       sync.Mutex
	projects map[string]*parsedStatus
}

// parsedStatus is the parse of a project's last ferry/status commit read.
type parsedStatus struct {
	store *gitstore.Store

	// mu is held while parsing, so that concurrent requests parse once.
	mu         sync.Mutex
	sumHead    gitstore.Hash
	sum        *status.Summary
	branchHead gitstore.Hash
	branch     *status.Branch
	// slots keeps the slot files parsed: most do not change from one
	// ferry/status commit to the next.
	slots status.Cache
}

func newStatusCache() *statusCache {
	return &statusCache{projects: map[string]*parsedStatus{}}
}

// of returns p's entry, a new one when p's store changed.
func (c *statusCache) of(p Project) *parsedStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.projects[p.Key()]
	if ps == nil || ps.store != p.Store {
		ps = &parsedStatus{store: p.Store}
		c.projects[p.Key()] = ps
	}
	return ps
}

// forget drops the entries of the projects not in keep.
func (c *statusCache) forget(keep map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.projects {
		if !keep[k] {
			delete(c.projects, k)
		}
	}
}

// summary returns status.json of head, parsed, as read before when head
// did not move. Failed reads are not kept.
func (ps *parsedStatus) summary(st *state) (*status.Summary, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.sum != nil && ps.sumHead == st.head {
		return ps.sum, nil
	}
	data, err := st.statusJSON()
	if err != nil {
		return nil, err
	}
	sum, err := status.ParseSummary(data)
	if err != nil {
		return nil, err
	}
	ps.sum, ps.sumHead = sum, st.head
	return sum, nil
}

// branchOf returns ferry/status at head, read, as read before when head
// did not move. Failed reads are not kept.
func (ps *parsedStatus) branchOf(st *state) (*status.Branch, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.branch != nil && ps.branchHead == st.head {
		return ps.branch, nil
	}
	b, err := status.Read(st.p.Store.Reader, st.head, &ps.slots)
	if err != nil {
		return nil, err
	}
	ps.branch, ps.branchHead = b, st.head
	return b, nil
}
