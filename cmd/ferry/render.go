package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

func newRender() *cobra.Command {
	var repo repoFlags
	var stage, dir string
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "render SERVICE --stage STAGE",
		Short: "Print the manifests ferry would commit for a service in a stage",
		Long: `Render renders a service's chart for a stage the way ferry commits it to the
stage branch as services/<service>/manifests.yaml: chart defaults < the
service's values.yaml < the stage's values.yaml < pin.yaml, offline (no
cluster, no network). The output is the same bytes for the same inputs.

-o yaml (the default) prints the manifests as they are; -o json prints them
as a list, the way kubectl get -o json prints several objects:
{"apiVersion": "v1", "kind": "List", "items": [...]}, which kubectl apply -f
takes as well.`,
		Example: `  # The manifests of carts in production, from the project in the current directory
  ferry render carts --stage production

  # From a repository's main branch
  ferry render carts --stage production --repo https://git.example.com/shop/delivery.git

  # The images, with jq
  ferry render carts --stage production -o json | jq -r '.items[].spec.template.spec.containers[]?.image'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if stage == "" {
				return usageError("--stage is required")
			}
			p, err := repo.loadProject(cmd.Context(), dir, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			known := projectNames(p)
			if err := errors.Join(known.checkService(args[0]), known.checkStage(stage)); err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			manifests, err := p.Render(args[0], stage, nil)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			if out.value == outputJSON {
				return printManifestList(cmd.OutOrStdout(), manifests)
			}
			_, err = cmd.OutOrStdout().Write(manifests)
			return err
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "", "stage to render for (required)")
	cmd.Flags().StringVar(&dir, "dir", ".", "project directory (when --repo is not given)")
	out = bindOutput(cmd, outputYAML, outputJSON)
	repo.bind(cmd.Flags())
	return cmd
}

// printManifestList prints YAML documents as a kubectl List.
func printManifestList(w io.Writer, manifests []byte) error {
	items := []json.RawMessage{}
	dec := yaml.NewDecoder(bytes.NewReader(manifests))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read the manifests: %w", err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		y, err := yaml.Marshal(&doc)
		if err != nil {
			return err
		}
		j, err := sigsyaml.YAMLToJSON(y)
		if err != nil {
			return fmt.Errorf("convert the manifests to json: %w", err)
		}
		items = append(items, j)
	}
	return printData(w, outputJSON, map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
}
