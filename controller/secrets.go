package controller

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ferrycd/ferry/api/v1alpha1"
)

// writeSecrets reads the Secrets a Project names and keeps each as a
// directory of files, one per key, of mode 0600, below SecretsDir: the
// layout package fleet reads. Files change only when a Secret's data did,
// and keys that are gone are removed, so a rotated Secret applies at the
// next fetch, query or forge call.
func (r *ProjectReconciler) writeSecrets(ctx context.Context, p *v1alpha1.Project) error {
	var refs []*meta.LocalObjectReference
	refs = append(refs, p.Spec.Repository.SecretRef)
	if p.Spec.Prometheus != nil {
		refs = append(refs, p.Spec.Prometheus.SecretRef)
	}
	if p.Spec.Forge != nil {
		refs = append(refs, &p.Spec.Forge.SecretRef)
	}
	for _, ref := range refs {
		if ref == nil || ref.Name == "" {
			continue
		}
		var s corev1.Secret
		if err := r.Secrets.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: ref.Name}, &s); err != nil {
			return fmt.Errorf("read Secret %s/%s: %w", p.Namespace, ref.Name, err)
		}
		if err := writeSecret(filepath.Join(r.SecretsDir, p.Namespace, ref.Name), s.Data); err != nil {
			return fmt.Errorf("keep Secret %s/%s: %w", p.Namespace, ref.Name, err)
		}
	}
	return nil
}

func writeSecret(dir string, data map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for key, value := range data {
		p := filepath.Join(dir, filepath.Base(key))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, value) {
			continue
		}
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, value, 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, ok := data[e.Name()]; !ok {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
