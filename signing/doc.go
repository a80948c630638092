// Package signing provides the signatures on ferry's commits and the check
// of a candidate's signature against the signers a project allows.
//
// # Signing
//
// [Load] reads a private key from a file: an OpenSSH private key, whose
// signatures are Git's SSH signatures (an armored SSHSIG blob, namespace
// "git", hash sha512, as `git -c gpg.format=ssh commit -S` writes), or an
// armored OpenPGP private key, whose signatures are armored detached
// OpenPGP signatures (as `git commit -S` with gpg writes). The [Key] it
// returns is a gitstore Signer: the signature goes in the commit's gpgsig
// header, where `git verify-commit` reads it. A key never appears in an
// error.
//
// # Verifying
//
// [Verifier] holds the signers a project allows, read from outside the
// repository: an allowed signers file in Git's format
// (gpg.ssh.allowedSignersFile, see [ParseAllowedSigners]) and armored
// OpenPGP public keys. [Verifier.Verify] takes a raw commit object and
// returns who signed it, or a [*Rejection] that says why the signature
// does not count (none, a bad signature, a key not allowed) and names the
// key that signed, if any. It is a pure function of its inputs and the
// clock (OpenPGP keys are judged valid or not now).
//
// [Verifier.Admit] gates a run in a stage: it decides whether the stage is
// verified (stages given to ferry, and ferry.yaml's verify.stages of the
// candidate, main's tip and the stage's released candidate) and then
// checks every first-parent commit since the released candidate, at every
// task, keeping verdicts in memory only (docs/signing.md).
package signing
