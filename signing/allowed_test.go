package signing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/signing"
)

const edKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb3kIr/ZHqaHx6pn2ukbeKBQ3Xd5SdAdrjAuhaZNb3T"

func TestParseAllowedSigners(t *testing.T) {
	type signer struct {
		Principals, Namespaces  []string
		ValidAfter, ValidBefore time.Time
		Line                    int
	}
	tests := []struct {
		name, in string
		want     []signer
		errs     []string
	}{
		{name: "plain", in: "alice@example.com " + edKey + " laptop\n", want: []signer{{Principals: []string{"alice@example.com"}, Line: 1}}},
		{
			name: "options and comments",
			in:   "# ci\n\n\"ci bot,ops@example.com\" namespaces=\"git,file\",valid-after=\"20260101\",valid-before=\"20270101120000Z\" " + edKey + "\n",
			want: []signer{{
				Principals: []string{"ci bot", "ops@example.com"}, Namespaces: []string{"git", "file"},
				ValidAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ValidBefore: time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), Line: 3,
			}},
		},
		{
			name: "every bad line",
			in:   "alice\nbob cert-authority " + edKey + "\ncarol ssh-ed25519 AAAA\ndave valid-after=\"2026\" " + edKey + "\n",
			errs: []string{"allowed_signers:1:", "allowed_signers:2: cert-authority", "allowed_signers:3: read key", "allowed_signers:4: option valid-after"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := signing.ParseAllowedSigners("allowed_signers", []byte(tt.in))
			var msgs []string
			if err != nil {
				msgs = strings.Split(err.Error(), "\n")
			}
			if len(msgs) != len(tt.errs) {
				t.Fatalf("errors = %q, want %d", msgs, len(tt.errs))
			}
			for i, want := range tt.errs {
				if !strings.HasPrefix(msgs[i], want) {
					t.Errorf("error %d = %q, want prefix %q", i, msgs[i], want)
				}
			}
			var out []signer
			for _, s := range got {
				out = append(out, signer{Principals: s.Principals, Namespaces: s.Namespaces, ValidAfter: s.ValidAfter, ValidBefore: s.ValidBefore, Line: s.Line})
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("signers (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzSplitCommit(f *testing.F) {
	f.Add([]byte("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor a <a@b> 1 +0000\ncommitter a <a@b> 1 +0000\ngpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n\nmsg\n"))
	f.Add([]byte("tree x\n\n\n"))
	f.Fuzz(func(t *testing.T, commit []byte) {
		payload, sig, _ := signing.SplitCommit(commit)
		if len(payload)+len(sig) > 2*len(commit)+1 {
			t.Fatalf("payload %d and signature %d bytes from %d", len(payload), len(sig), len(commit))
		}
		if _, err := signing.NewVerifier(nil, nil).Verify(commit); signing.AsRejection(err) == nil {
			t.Fatalf("Verify with no signers = %v", err)
		}
	})
}

func FuzzParseAllowedSigners(f *testing.F) {
	f.Add([]byte("alice@example.com namespaces=\"git\" " + edKey + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = signing.ParseAllowedSigners("f", b)
	})
}
