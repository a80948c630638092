package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Build information, stamped by the linker (make build, make image):
//
//	go build -ldflags "-X main.buildVersion=v1.2.3 -X main.buildCommit=<sha> -X main.buildDate=<RFC 3339>"
//
// Unstamped, the version is "dev" and the commit is the one the Go
// toolchain recorded (vcs.revision), if any: builds with -buildvcs=false
// record none.
var (
	buildVersion = "dev"
	buildCommit  = ""
	buildDate    = ""
)

// versionInfo is what ferry version prints.
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"goVersion"`
	BuildDate string `json:"buildDate,omitempty"`
	Platform  string `json:"platform"`
}

// currentVersion returns the stamped build information, with the commit
// from the Go toolchain's build information when it was not stamped.
func currentVersion() versionInfo {
	v := versionInfo{
		Version:   buildVersion,
		Commit:    buildCommit,
		GoVersion: runtime.Version(),
		BuildDate: buildDate,
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if v.Commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					v.Commit = s.Value
				}
			}
		}
	}
	return v
}

func newVersion() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print ferry's version, commit and Go version",
		Long: `Print the version and commit ferry was built from, the Go version that built
it, the build date when the build was stamped, and the platform.`,
		Example: `  ferry version
  ferry version -o json`,
		Args: cobra.NoArgs,
	}
	out := bindOutput(cmd, outputHuman, outputJSON, outputYAML)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		v := currentVersion()
		w := cmd.OutOrStdout()
		if out.machine() {
			return printData(w, out.value, v)
		}
		commit := v.Commit
		if commit == "" {
			commit = "unknown"
		}
		_, err := fmt.Fprintf(w, "version:  %s\ncommit:   %s\ngo:       %s\nplatform: %s\n", v.Version, commit, v.GoVersion, v.Platform)
		if err == nil && v.BuildDate != "" {
			_, err = fmt.Fprintf(w, "built:    %s\n", v.BuildDate)
		}
		return err
	}
	return cmd
}
