package signing_test

import (
	"testing"

	"github.com/ferrycd/ferry/signing"
)

func TestFingerprintChangesWithWhatIsAdmitted(t *testing.T) {
	signers, err := signing.ParseAllowedSigners("allowed_signers", []byte("alice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOyvLqTbs3rL1yO/PlJ4DCxkMS/MS+1HsyhfRW9Q2fNK\n"))
	if err != nil {
		t.Fatal(err)
	}
	var none *signing.Verifier
	alice := signing.NewVerifier(signers, nil)
	if none.Fingerprint() != signing.NewVerifier(nil, nil).Fingerprint() {
		t.Error("a nil verifier and an empty one differ")
	}
	if alice.Fingerprint() != signing.NewVerifier(signers, nil).Fingerprint() {
		t.Error("the same signers give two fingerprints")
	}
	if alice.Fingerprint() == none.Fingerprint() {
		t.Error("allowing a signer does not change the fingerprint")
	}
	if alice.WithStages("production").Fingerprint() == alice.Fingerprint() {
		t.Error("verifying a stage does not change the fingerprint")
	}
	if alice.WithStages("staging", "production").Fingerprint() != alice.WithStages("production", "staging").Fingerprint() {
		t.Error("the order of the stages changes the fingerprint")
	}
}
