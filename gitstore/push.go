package gitstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
)

// PushResult says what a push sent.
type PushResult struct {
	// Updates are the ref commands the remote applied.
	Updates []RefUpdate
	// Objects and Bytes count the pack sent.
	Objects int
	Bytes   int64
}

// Push sends every ref the batch changed in one atomic push. Each command
// carries the value the ref had in the batch's snapshot as its expected old
// value, so the remote applies all of them or, when any ref moved since the
// snapshot, none ([ErrStale]: fetch and recompute). A push of more than one
// ref is refused unless the remote supports atomic pushes. Pending notes
// become one commit on the notes ref first. After a successful push the
// mirror holds the new objects and refs; the batch must not be reused. The
// remote is the authority: should recording the push in the mirror fail,
// the error says so, and the next [Store.Fetch] repairs the mirror.
func (s *Store) Push(ctx context.Context, b *Batch) (PushResult, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	res, err := s.push(ctx, b)
	if err != nil {
		return res, s.sc.wrap(fmt.Errorf("push %s: %w", s.URL(), err))
	}
	return res, nil
}

func (s *Store) push(ctx context.Context, b *Batch) (PushResult, error) {
	if err := b.flushNotes(); err != nil {
		return PushResult{}, err
	}
	ups := b.updates()
	if len(ups) == 0 {
		return PushResult{}, nil
	}
	pack, n, err := encodePack(b.ov, s.opts.PackWindow)
	if err != nil {
		return PushResult{}, err
	}
	res := PushResult{Updates: ups, Objects: n, Bytes: int64(len(pack))}
	if err := s.send(ctx, ups, pack); err != nil {
		return res, err
	}
	return res, s.record(ups, b.ov, pack)
}

// maxDeltaObjects is the pack size above which objects are sent without
// deltas: delta search grows with the window times the objects, and a large
// batch is better sent sooner than smaller.
const maxDeltaObjects = 50000

// encodePack packs every object the batch wrote.
func encodePack(ov *overlay, window int) ([]byte, int, error) {
	hashes := ov.fresh()
	if len(hashes) == 0 {
		return nil, 0, nil
	}
	if window < 0 || len(hashes) > maxDeltaObjects {
		window = 0
	}
	var buf bytes.Buffer
	if _, err := packfile.NewEncoder(&buf, ov, false).Encode(hashes, uint(window)); err != nil {
		return nil, 0, fmt.Errorf("encode pack: %w", err)
	}
	return buf.Bytes(), len(hashes), nil
}

func (s *Store) send(ctx context.Context, ups []RefUpdate, pack []byte) error {
	cl, auth, err := s.transport()
	if err != nil {
		return err
	}
	sess, err := cl.NewReceivePackSession(s.ep, auth)
	if err != nil {
		return classify(err)
	}
	defer func() { _ = sess.Close() }()
	remote, caps, err := s.advertised(ctx, sess)
	if err != nil {
		return err
	}
	if stale := staleRefs(ups, remote); len(stale) > 0 {
		return &PushError{Kind: ErrStale, Refs: stale}
	}
	req, err := s.updateRequest(caps, ups, pack)
	if err != nil {
		return err
	}
	rs, err := sess.ReceivePack(ctx, req)
	if err == nil && rs != nil {
		err = rs.Error()
	}
	if err != nil {
		return s.pushFailure(ctx, ups, rs, err)
	}
	return nil
}

// staleRefs lists the refs whose remote value differs from the expected one.
func staleRefs(ups []RefUpdate, remote Snapshot) []RefStatus {
	var out []RefStatus
	for _, u := range ups {
		if cur := remote.Get(u.Ref); cur != u.Old {
			out = append(out, RefStatus{Ref: u.Ref, Status: fmt.Sprintf("expected %s, remote has %s", short(u.Old), short(cur))})
		}
	}
	return out
}

func (s *Store) updateRequest(caps *capability.List, ups []RefUpdate, pack []byte) (*packp.ReferenceUpdateRequest, error) {
	req := packp.NewReferenceUpdateRequestFromCapabilities(caps)
	if len(ups) > 1 {
		if !caps.Supports(capability.Atomic) {
			return nil, &PushError{Kind: ErrRejected, cause: errors.New("the server does not support atomic pushes; ferry never updates several refs one by one")}
		}
		if err := req.Capabilities.Set(capability.Atomic); err != nil {
			return nil, err
		}
	}
	deletes := false
	for _, u := range ups {
		req.Commands = append(req.Commands, &packp.Command{Name: plumbing.ReferenceName(u.Ref), Old: u.Old, New: u.New})
		deletes = deletes || u.New.IsZero()
	}
	if deletes && !caps.Supports(capability.DeleteRefs) {
		return nil, &PushError{Kind: ErrRejected, cause: errors.New("the server does not allow deleting refs")}
	}
	if len(pack) > 0 {
		req.Packfile = io.NopCloser(bytes.NewReader(pack))
	}
	return req, nil
}

// pushFailure classifies a refused or broken push. Whatever the server's
// wording, a push is stale when a ref it touches no longer has the expected
// value; the remote is asked again to tell.
func (s *Store) pushFailure(ctx context.Context, ups []RefUpdate, rs *packp.ReportStatus, err error) error {
	var statuses []RefStatus
	if rs != nil {
		for _, c := range rs.CommandStatuses {
			if c.Status != "ok" {
				statuses = append(statuses, RefStatus{Ref: c.ReferenceName.String(), Status: c.Status})
			}
		}
		if rs.UnpackStatus != "ok" {
			statuses = append(statuses, RefStatus{Ref: "(unpack)", Status: rs.UnpackStatus})
		}
	}
	if rs == nil {
		if cerr := classify(err); !errors.Is(cerr, ErrNetwork) {
			return &PushError{Kind: ErrAuth, cause: err}
		}
	}
	cl, auth, terr := s.transport()
	if terr == nil {
		if sess, serr := cl.NewReceivePackSession(s.ep, auth); serr == nil {
			remote, _, aerr := s.advertised(ctx, sess)
			_ = sess.Close()
			if aerr == nil && len(staleRefs(ups, remote)) > 0 {
				return &PushError{Kind: ErrStale, Refs: statuses, cause: err}
			}
		}
	}
	if rs == nil {
		return &PushError{Kind: ErrNetwork, cause: err}
	}
	return &PushError{Kind: ErrRejected, Refs: statuses}
}

// storeObjects writes pushed objects to the mirror: loose when there are
// few (as git does below transfer.unpackLimit), else as the pack just sent.
func (s *Store) storeObjects(ov *overlay, pack []byte) error {
	hashes := ov.fresh()
	if len(hashes) > unpackLimit {
		return packfile.WritePackfileToObjectStorage(s.st, bytes.NewReader(pack))
	}
	for _, h := range hashes {
		if _, err := s.st.SetEncodedObject(ov.objs[h]); err != nil {
			return err
		}
	}
	s.loose += len(hashes)
	return nil
}

// record writes what the remote accepted into the mirror.
func (s *Store) record(ups []RefUpdate, ov *overlay, pack []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.storeObjects(ov, pack); err != nil {
		return fmt.Errorf("pushed, but store objects in mirror: %w", err)
	}
	for _, u := range ups {
		name := plumbing.ReferenceName(u.Ref)
		var err error
		if u.New.IsZero() {
			err = s.st.RemoveReference(name)
		} else {
			err = s.st.SetReference(plumbing.NewHashReference(name, u.New))
		}
		if err != nil {
			return fmt.Errorf("update %s: %w", u.Ref, err)
		}
	}
	return s.maybeRepack()
}

func short(h Hash) string {
	if h.IsZero() {
		return "nothing"
	}
	return h.String()[:12]
}
