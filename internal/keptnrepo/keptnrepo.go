package keptnrepo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"path"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/corpus"
	"github.com/ferrycd/ferry/internal/gittest"
)

// carts is where the Keptn corpus keeps the sockshop files.
const carts = "examples/onboarding-carts/"

// Layout says how a test upstream keeps its stages and charts.
type Layout struct {
	// Directory keeps the stages in .keptn-stages/<stage>/ on master;
	// else each stage has a branch.
	Directory bool
	// Archive keeps carts-db's chart as helm/carts-db.tgz; else unpacked.
	Archive bool
}

// StageRoots returns what Keptn's resource-service keeps at the root of
// each stage of the sockshop tutorial, built from the corpus: carts
// (unpacked chart, a newer image in dev, two replicas in production, SLO
// and SLI in staging and production, remediation in production, a JMeter
// script and Dynatrace SLIs in dev, the generated blue/green chart in
// staging), carts-db (chart as an archive or unpacked), and a stage-wide
// Prometheus sli.yaml in production.
func StageRoots(tb testing.TB, l Layout) map[string]gittest.Files {
	tb.Helper()
	c := corpus.Files(tb, carts)
	read := func(p string) string {
		data, ok := c[carts+p]
		if !ok {
			tb.Fatalf("no corpus file %s", p)
		}
		return string(data)
	}
	out := map[string]gittest.Files{}
	for _, stage := range []string{"dev", "staging", "production"} {
		f := gittest.Files{
			"metadata.yaml":          gittest.Text("stagename: " + stage + "\n"),
			"shipyard.yaml":          gittest.Text(read("shipyard.yaml")), // the branch's copy
			"carts/metadata.yaml":    gittest.Text("servicename: carts\n"),
			"carts-db/metadata.yaml": gittest.Text("servicename: carts-db\n"),
		}
		for _, p := range []string{"Chart.yaml", "values.yaml", "templates/deployment.yaml", "templates/service.yaml"} {
			f["carts/helm/carts/"+p] = gittest.Text(read("carts/" + p))
		}
		dbChart := map[string]string{}
		for _, p := range []string{"Chart.yaml", "values.yaml", "templates/carts-db-deployment.yaml", "templates/carts-db-service.yaml"} {
			dbChart[p] = read("carts-db/" + p)
		}
		if l.Archive {
			f["carts-db/helm/carts-db.tgz"] = gittest.Text(string(chartArchive(tb, "carts-db", dbChart)))
		} else {
			for p, data := range dbChart {
				f["carts-db/helm/carts-db/"+p] = gittest.Text(data)
			}
		}
		out[stage] = f
	}
	values := read("carts/values.yaml")
	out["dev"]["carts/helm/carts/values.yaml"] = gittest.Text(strings.Replace(values, "carts:0.13.1", "carts:0.13.2", 1))
	out["production"]["carts/helm/carts/values.yaml"] = gittest.Text(strings.Replace(values, "replicaCount: 1", "replicaCount: 2", 1))
	out["dev"]["carts/jmeter/load.jmx"] = gittest.Text("<jmeterTestPlan/>\n")
	out["dev"]["carts/dynatrace/sli.yaml"] = gittest.Text(string(corpus.Files(tb, "spec/extracted/service_level_indicator_md/")["spec/extracted/service_level_indicator_md/sli-example.yaml"]))
	out["staging"]["carts/helm/carts-generated/Chart.yaml"] = gittest.Text(read("carts/Chart.yaml"))
	for _, stage := range []string{"staging", "production"} {
		out[stage]["carts/slo.yaml"] = gittest.Text(read("slo-quality-gates.yaml"))
		out[stage]["carts/prometheus/sli.yaml"] = gittest.Text(read("sli-config-prometheus.yaml"))
	}
	out["production"]["carts/remediation.yaml"] = gittest.Text(read("remediation.yaml"))
	out["production"]["prometheus/sli.yaml"] = gittest.Text(StageWideSLI)
	return out
}

// StageWideSLI is production's stage-wide SLI file: error_rate for every
// service, and a response_time_p95 the service's own file overrides.
const StageWideSLI = `spec_version: "1.0"
indicators:
  error_rate: sum(rate(http_requests_total{job="$SERVICE-$PROJECT-$STAGE",status!~"2.."}[$DURATION_SECONDS]))
  response_time_p95: stage_wide_query_that_loses
`

// New builds a Keptn upstream of the sockshop project in a new bare
// repository (default branch master) and returns its path.
func New(tb testing.TB, l Layout) string {
	tb.Helper()
	dir := gittest.InitBare(tb)
	gittest.Git(tb, dir, "symbolic-ref", "HEAD", "refs/heads/master")
	roots := StageRoots(tb, l)
	shipyard := roots["dev"]["shipyard.yaml"]
	master := gittest.Files{
		"shipyard.yaml": shipyard,
		"metadata.yaml": gittest.Text("projectName: sockshop\ncreationTimestamp: 2023-01-01 00:00:00 +0000 UTC\n"),
	}
	if !l.Directory {
		gittest.CommitFiles(tb, dir, "master", "created project", master)
		for stage, files := range roots {
			gittest.CommitFiles(tb, dir, stage, "created stage", files)
		}
		return dir
	}
	master["metadata.yaml"] = gittest.Text(*master["metadata.yaml"] + "isUsingDirectoryStructure: true\n")
	for stage, files := range roots {
		for p, data := range files {
			master[path.Join(".keptn-stages", stage, p)] = data
		}
	}
	gittest.CommitFiles(tb, dir, "master", "migrated project structure", master)
	return dir
}

// chartArchive packs a chart as helm package does: <name>/<path>.
func chartArchive(tb testing.TB, name string, files map[string]string) []byte {
	tb.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for p, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name + "/" + p, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
