package main

import (
	"github.com/spf13/pflag"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/signing"
)

// signingFlags are the signing key and the allowed signers of the
// commands that run the loop (run, controller).
type signingFlags struct {
	keyFile            string
	allowedSignersFile string
	allowedPGPKeysFile string
	verifyStages       []string
}

// bindVerify binds --allowed-signers-file, --allowed-pgp-keys-file and
// --verify-stages.
func (f *signingFlags) bindVerify(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.verifyStages, "verify-stages", nil, "stages only signed candidates enter, besides ferry.yaml's verify.stages; no commit to the repository turns these off (docs/signing.md)")
	fs.StringVar(&f.allowedSignersFile, "allowed-signers-file", "", "SSH keys allowed to sign candidates for the verify stages (ferry.yaml's and --verify-stages), in Git's allowed signers format (gpg.ssh.allowedSignersFile)")
	fs.StringVar(&f.allowedPGPKeysFile, "allowed-pgp-keys-file", "", "armored OpenPGP public keys allowed to sign candidates for the verify stages (ferry.yaml's and --verify-stages)")
}

// verifier reads the allowed signers and the verify stages; nil when
// none is given, which allows no signer.
func (f *signingFlags) verifier() (*signing.Verifier, error) {
	if f.allowedSignersFile == "" && f.allowedPGPKeysFile == "" && len(f.verifyStages) == 0 {
		return nil, nil
	}
	v, err := signing.LoadVerifier(f.allowedSignersFile, f.allowedPGPKeysFile)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return v.WithStages(f.verifyStages...), nil
}

// signer reads --signing-key-file; nil without it.
func (f *signingFlags) signer() (gitstore.Signer, error) {
	if f.keyFile == "" {
		return nil, nil
	}
	k, err := signing.Load(f.keyFile)
	if err != nil {
		return nil, usageError("--signing-key-file: %v", err)
	}
	return k, nil
}
